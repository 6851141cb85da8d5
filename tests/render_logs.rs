//! Render tests of the log panes: a four-pane split, the paused title, search highlighting,
//! escape sequences shown as text, wide characters keeping the border aligned, and long lines
//! cut or wrapped.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use kockpit::app::logs::{self, LogMsg};
use kockpit::app::msg::Msg;
use kockpit::app::state::State;
use kockpit::app::update::update;
use kockpit::cluster::kubeconfig::ContextInfo;
use kockpit::cluster::logs::{LogLine, TailEvent};
use kockpit::settings::keymap;
use kockpit::ui::{screen, theme};

fn info(name: &str) -> ContextInfo {
    ContextInfo {
        name: name.into(),
        cluster: name.into(),
        user: "admin".into(),
        namespace: None,
        server: "https://127.0.0.1:1".into(),
        production: false,
    }
}

fn state() -> State {
    let (km, _) = keymap::load(None, None);
    State::new(
        vec![info("stg")],
        vec!["stg".into()],
        kockpit::app::namespaces::Namespaces::all(),
        false,
        km,
    )
}

fn open(s: &mut State, args: &str) {
    let words: Vec<String> = args.split_whitespace().map(str::to_string).collect();
    logs::open_from_command(s, &words);
}

fn feed(s: &mut State, pane: u64, pod: &str, texts: &[&str]) {
    let lines = texts
        .iter()
        .map(|t| LogLine {
            pod: pod.into(),
            container: "app".into(),
            time: None,
            text: t.to_string(),
        })
        .collect();
    update(
        s,
        Msg::Logs(LogMsg::Tail {
            pane,
            generation: 0,
            event: TailEvent::Lines(lines),
        }),
    );
}

fn key(s: &mut State, code: KeyCode) {
    update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        key(s, KeyCode::Char(c));
    }
}

fn render(s: &State, width: u16, height: u16) -> Buffer {
    let (th, _) = theme::load(None, None);
    let mut t = Terminal::new(TestBackend::new(width, height)).unwrap();
    t.draw(|f| screen::draw(f, s, &th)).unwrap();
    t.backend().buffer().clone()
}

fn rows(b: &Buffer) -> Vec<String> {
    let w = b.area.width as usize;
    b.content
        .chunks(w)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>())
        .collect()
}

/// (column, row) in cells of the first occurrence of `needle`.
fn find(b: &Buffer, needle: &str) -> Option<(u16, u16)> {
    for y in 0..b.area.height {
        let mut line = String::new();
        let mut cols = Vec::new();
        for x in 0..b.area.width {
            let sym = b[(x, y)].symbol();
            for _ in sym.chars() {
                cols.push(x);
            }
            line.push_str(sym);
        }
        if let Some(i) = line.find(needle) {
            let ci = line[..i].chars().count();
            return Some((cols[ci], y));
        }
    }
    None
}

#[test]
fn four_panes_split_the_screen_into_quadrants() {
    let mut s = state();
    open(&mut s, "-l app=a");
    open(&mut s, "-l app=b");
    open(&mut s, "-l app=c");
    s.logs.focus = 1;
    open(&mut s, "-l app=d");
    for (pane, app) in [(1, "a"), (2, "b"), (3, "c"), (4, "d")] {
        feed(
            &mut s,
            pane,
            &format!("{app}-x-12345"),
            &[&format!("line of {app}")],
        );
    }
    let b = render(&s, 120, 40);
    let (ax, ay) = find(&b, "-l app=a").unwrap();
    let (bx, by) = find(&b, "-l app=b").unwrap();
    let (cx, cy) = find(&b, "-l app=c").unwrap();
    let (dx, dy) = find(&b, "-l app=d").unwrap();
    assert!(ax < bx && ay == by, "a | b side by side");
    assert!(cx == bx && cy > by, "c under b");
    assert!(dx == ax && dy > ay, "d under a");
    for app in ["a", "b", "c", "d"] {
        assert!(
            find(&b, &format!("12345/app line of {app}")).is_some(),
            "{app}"
        );
    }
}

#[test]
fn paused_pane_title_counts_new_lines() {
    let mut s = state();
    open(&mut s, "-l app=web");
    feed(&mut s, 1, "web-abcde", &["one"]);
    key(&mut s, KeyCode::Char(' '));
    feed(&mut s, 1, "web-abcde", &["two", "three"]);
    let b = render(&s, 100, 20);
    assert!(
        find(&b, "paused +2 new").is_some(),
        "{}",
        rows(&b).join("\n")
    );
    assert!(find(&b, "one").is_some());
    assert!(find(&b, "three").is_none(), "new lines wait while paused");
}

#[test]
fn search_matches_are_highlighted_in_the_search_style() {
    let mut s = state();
    open(&mut s, "-l app=web");
    feed(
        &mut s,
        1,
        "web-abcde",
        &["GET /healthz 200", "GET /login 502"],
    );
    key(&mut s, KeyCode::Char('/'));
    typed(&mut s, "login");
    key(&mut s, KeyCode::Enter);
    let b = render(&s, 100, 20);
    let (th, _) = theme::load(None, None);
    let (x, y) = find(&b, "GET /login").unwrap();
    assert_eq!(b[(x + 5, y)].fg, th.search_match.fg.unwrap());
    assert_eq!(b[(x, y)].fg, th.base.fg.unwrap_or_default());
    let (x, y) = find(&b, "healthz").unwrap();
    assert_ne!(b[(x, y)].fg, th.search_match.fg.unwrap());
    assert!(find(&b, "/login (1)").is_some(), "title counts matches");
}

#[test]
fn escape_sequences_are_drawn_as_visible_text() {
    let mut s = state();
    open(&mut s, "-l app=web");
    feed(
        &mut s,
        1,
        "web-abcde",
        &["a\u{1b}[2J\u{1b}[Hb \u{1b}]0;pwned\u{7} c\u{9b}d\r"],
    );
    let b = render(&s, 100, 20);
    assert!(
        find(&b, "a␛[2J␛[Hb ␛]0;pwned␇ c�d␍").is_some(),
        "{}",
        rows(&b).join("\n")
    );
    for c in b.content.iter() {
        assert!(
            !c.symbol().chars().any(char::is_control),
            "{:?}",
            c.symbol()
        );
    }
}

#[test]
fn wide_characters_keep_the_right_border_in_place() {
    let mut s = state();
    open(&mut s, "-l app=web");
    feed(
        &mut s,
        1,
        "web-abcde",
        &[
            "ascii only",
            "日本語のログ行",
            &"幅".repeat(80),
            "mixed 한국어 text",
        ],
    );
    let b = render(&s, 60, 20);
    let right = 59;
    for y in 4..18 {
        let sym = b[(right, y)].symbol();
        assert!(sym == "│" || sym == "┐" || sym == "┘", "row {y}: {sym:?}");
    }
    let (x, y) = find(&b, "日").unwrap();
    assert_eq!(b[(x + 2, y)].symbol(), "本", "two cells per wide character");
    assert!(find(&b, "mixed 한").is_some());
}

#[test]
fn long_lines_are_cut_to_the_pane_or_wrapped_with_w() {
    let mut s = state();
    open(&mut s, "-l app=web");
    let long = format!("start {} end", "x".repeat(200));
    feed(&mut s, 1, "web-abcde", &[&long]);
    let b = render(&s, 80, 20);
    assert!(find(&b, "start").is_some());
    assert!(find(&b, " end").is_none(), "cut at the border");
    key(&mut s, KeyCode::Char('w'));
    let b = render(&s, 80, 20);
    let (_, start_row) = find(&b, "start").unwrap();
    let (_, end_row) = find(&b, "x end").unwrap();
    assert_eq!(end_row, start_row + 2, "wrapped over three rows");
}
