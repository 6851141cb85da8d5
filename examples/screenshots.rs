//! Renders the README screenshots from a live simulator: `cargo run --release --example screenshots`.
//!
//! The simulator runs in-process with its default scenario; sessions are opened exactly as the
//! app opens them (`kubeconfig::load`, `LoadedKubeconfig::client`, `Session::start`) and their
//! events go through `update`, so the pictures show what an operator would see, not a mock-up.
//! Frames are drawn into ratatui's TestBackend and written as SVG under `screenshots/`.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use k8s_openapi::api::core::v1::Node;
use kube::Api;
use kube::api::{Patch, PatchParams};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use tokio::sync::mpsc;

use kockpit::app::filter::TextFilter;
use kockpit::app::logs::{self, LogCmd, LogMsg};
use kockpit::app::msg::{Cmd, Fetch, Msg};
use kockpit::app::state::{State, ViewKind};
use kockpit::app::update::update;
use kockpit::cluster::describe;
use kockpit::cluster::events::{ResourceKind, SessionEvent, WatchState};
use kockpit::cluster::kubeconfig::{self, LoadedKubeconfig};
use kockpit::cluster::logs::LogTail;
use kockpit::cluster::session::Session;
use kockpit::recovery::drain::PodState;
use kockpit::settings::keymap;
use kockpit::sim::{SimOptions, Simulator};
use kockpit::ui::theme::Theme;
use kockpit::ui::{screen, theme};

const WIDTH: u16 = 160;
const HEIGHT: u16 = 45;
/// The node cordoned before the nodes shot, so SchedulingDisabled shows.
const CORDONED: &str = "ip-172-20-41-155.ap-northeast-2.compute.internal";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let out = Path::new("screenshots");
    std::fs::create_dir_all(out)?;
    let sim = Simulator::start(SimOptions::default())
        .await
        .context("starting the simulator")?;
    let loaded = kubeconfig::load(Some(&sim.kubeconfig_path), "prod")?;
    let (th, _) = theme::load(None, None);

    // Cordon through the API, as `kubectl cordon` would: the watch then carries the change.
    let prod = loaded.client("prod").await?;
    Api::<Node>::all(prod.clone())
        .patch(
            CORDONED,
            &PatchParams::default(),
            &Patch::Merge(serde_json::json!({"spec": {"unschedulable": true}})),
        )
        .await
        .context("cordoning a node")?;

    let (mut live, mut state) = open(&loaded, &["prod", "stg"]).await?;
    let converged = pump_until(&mut live, &mut state, Duration::from_secs(45), |s| {
        s.contexts.iter().all(|c| {
            !c.pods.is_empty()
                && !c.nodes.is_empty()
                && c.pod_usage.len() >= c.pods.len() / 2
                && c.pods.values().all(|p| {
                    (p.status == "Running" && p.ready == p.containers_total)
                        || p.status == "Completed"
                })
                && c.nodes
                    .get(&(String::new(), CORDONED.into()))
                    .is_none_or(|n| n.unschedulable)
        })
    })
    .await;
    if !converged {
        eprintln!("warning: tables had not fully converged by the deadline; drawing anyway");
    }

    state.view = ViewKind::Pods;
    state.merged = true;
    save(&state, &th, &out.join("pods-multi-context.svg"))?;

    // The nodes view of prod alone: the health strip still shows every live context.
    state.merged = false;
    state.focus = state.context_index("prod").expect("prod is live");
    state.notice = None;
    state.view = ViewKind::Nodes;
    state.cursor = None;
    state.sort.column = "NAME";
    save(&state, &th, &out.join("nodes-health.svg"))?;

    // Describe: select a keycloak pod, press Enter, and run the Cmd it returns as the app would.
    state.view = ViewKind::Pods;
    state.sort.column = "NAMESPACE";
    state.filter = TextFilter::new("keycloak");
    state.cursor = None;
    let cmds = update(&mut state, key(KeyCode::Enter));
    for cmd in cmds {
        if let Cmd::Fetch {
            what: Fetch::Describe,
            title,
            context,
            kind,
            namespace,
            name,
        } = cmd
        {
            let client = loaded.client(&context).await?;
            let result = describe::describe(&client, &kind, &namespace, &name)
                .await
                .map_err(|e| e.to_string());
            update(&mut state, Msg::Fetched { title, result });
        }
    }
    save(&state, &th, &out.join("describe.svg"))?;

    // The drain wizard on keycloak's node, started as the operator starts it (enter, the node's
    // name typed on prod), with the drain's own progress fed back through `update`.
    state.overlay = None;
    state.view = ViewKind::Nodes;
    let keycloak_node = state.contexts[state.focus]
        .pods
        .values()
        .find(|p| p.name.starts_with("keycloak-"))
        .map(|p| p.node.clone())
        .context("keycloak is scheduled")?;
    state.filter = TextFilter::new(&keycloak_node);
    state.cursor = None;
    update(&mut state, key(KeyCode::Char('r')));
    save(&state, &th, &out.join("drain-wizard-plan.svg"))?;
    update(&mut state, key(KeyCode::Enter));
    for c in keycloak_node.chars() {
        update(&mut state, key(KeyCode::Char(c)));
    }
    let audit_file =
        std::env::temp_dir().join(format!("kockpit-shots-{}.jsonl", std::process::id()));
    // The drain's calls run as the cockpit's executor runs them; their answers, the watch
    // events and the clock go back through `update`, until the budget refused keycloak twice.
    let (answers_tx, mut answers) = mpsc::unbounded_channel::<Msg>();
    let run_drain = |cmds: Vec<Cmd>| {
        for cmd in cmds {
            if let Cmd::Drain(c) = cmd {
                let (client, path, tx) = (prod.clone(), audit_file.clone(), answers_tx.clone());
                tokio::spawn(async move {
                    let _ = tx.send(
                        kockpit::exec::drain::step(client, "prod-admin", Some(path), c).await,
                    );
                });
            }
        }
    };
    state.now = jiff::Timestamp::now();
    run_drain(update(&mut state, key(KeyCode::Enter)));
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let refused = |s: &State| {
        s.wizard.as_ref().is_some_and(|w| {
            w.runs.values().any(|r| {
                r.attempt() >= 2
                    && r.pods()
                        .values()
                        .any(|t| matches!(t.state, Some(PodState::Blocked { .. })))
            })
        })
    };
    while !refused(&state) && Instant::now() < deadline {
        let cmds = tokio::select! {
            Some(m) = answers.recv() => update(&mut state, m),
            Some(ev) = live.rx.recv() => {
                update(&mut state, Msg::Cluster(Box::new(ev)));
                kockpit::app::update::settle(&mut state)
            }
            _ = tick.tick() => update(&mut state, Msg::Tick(jiff::Timestamp::now())),
        };
        run_drain(cmds);
    }
    state.now = jiff::Timestamp::now();
    save(&state, &th, &out.join("drain-wizard-running.svg"))?;
    // The next rung for keycloak, asked as on any production context.
    if let Some(w) = state.wizard.as_mut() {
        w.cursor = None;
        w.cursor_at = 0;
    }
    update(&mut state, key(KeyCode::Char('e')));
    save(&state, &th, &out.join("drain-escalate.svg"))?;
    let _ = std::fs::remove_file(&audit_file);
    drop(live);

    // A user who may list pods but not deployments: the view says so in one line.
    let (mut live, mut state) = open(&loaded, &["prod-pod-reader"]).await?;
    state.view = ViewKind::Deployments;
    state.sort.column = "NAMESPACE";
    let got = pump_until(&mut live, &mut state, Duration::from_secs(20), |s| {
        matches!(
            s.contexts[0].watches.get(&ResourceKind::Deployments),
            Some(WatchState::Forbidden(_))
        ) && s.contexts[0].watches.get(&ResourceKind::Pods) == Some(&WatchState::Live)
            && s.contexts[0].api.is_some()
    })
    .await;
    if !got {
        eprintln!("warning: no 403 notice for prod-pod-reader by the deadline");
    }
    save(&state, &th, &out.join("forbidden.svg"))?;
    drop(live);

    // Log panes: nginx-ingress of prod and of stg side by side, fed by the real LogTail.
    let (mut live, mut state) = open(&loaded, &["prod", "stg"]).await?;
    pump_until(&mut live, &mut state, Duration::from_secs(20), |s| {
        s.contexts
            .iter()
            .all(|c| !c.pods.is_empty() && c.api.is_some())
    })
    .await;
    let words: Vec<String> = "-l app=nginx-ingress -n default --context prod,stg"
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let (log_tx, mut log_rx) = mpsc::unbounded_channel();
    let mut tails = Vec::new();
    for cmd in logs::open_from_command(&mut state, &words) {
        if let Cmd::Logs(LogCmd::Start {
            pane,
            generation,
            context,
            spec,
        }) = cmd
        {
            let tx = log_tx.clone();
            let sink = move |event| {
                tx.send(Msg::Logs(LogMsg::Tail {
                    pane,
                    generation,
                    event,
                }))
                .is_ok()
            };
            let client = loaded.client(&context).await?;
            tails.push(LogTail::start(client, spec, Box::new(sink)));
        }
    }
    let until = Instant::now() + Duration::from_secs(4);
    while let Ok(Some(msg)) = tokio::time::timeout(
        until.saturating_duration_since(Instant::now()),
        log_rx.recv(),
    )
    .await
    {
        update(&mut state, msg);
    }
    while let Ok(ev) = live.rx.try_recv() {
        update(&mut state, Msg::Cluster(Box::new(ev)));
    }
    state.now = jiff::Timestamp::now();
    save(&state, &th, &out.join("log-panes.svg"))?;
    drop(tails);
    drop(live);
    drop(sim);
    Ok(())
}

/// Live sessions and the channel they report on; dropping it stops them.
struct Live {
    _sessions: Vec<Session>,
    rx: mpsc::Receiver<SessionEvent>,
}

async fn open(loaded: &LoadedKubeconfig, names: &[&str]) -> anyhow::Result<(Live, State)> {
    let (tx, rx) = mpsc::channel(4096);
    let mut sessions = Vec::new();
    let mut infos = Vec::new();
    for name in names {
        let info = loaded
            .context(name)
            .context("context in kubeconfig")?
            .clone();
        let client = loaded.client(name).await?;
        sessions.push(Session::start(info.clone(), client, None, tx.clone()));
        infos.push(info);
    }
    let (km, _) = keymap::load(None, None);
    let known = loaded.contexts.iter().map(|c| c.name.clone()).collect();
    let state = State::new(
        infos,
        known,
        kockpit::app::namespaces::Namespaces::all(),
        false,
        km,
    );
    Ok((
        Live {
            _sessions: sessions,
            rx,
        },
        state,
    ))
}

/// Feeds session events through `update` until `done` holds (true) or the deadline passes (false).
async fn pump_until(
    live: &mut Live,
    state: &mut State,
    limit: Duration,
    done: impl Fn(&State) -> bool,
) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        state.now = jiff::Timestamp::now();
        if done(state) {
            // Let stragglers from the same instant (metrics, health) land too.
            while let Ok(ev) = live.rx.try_recv() {
                update(state, Msg::Cluster(Box::new(ev)));
            }
            return true;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        match tokio::time::timeout(left.min(Duration::from_millis(200)), live.rx.recv()).await {
            Ok(Some(ev)) => {
                update(state, Msg::Cluster(Box::new(ev)));
            }
            Ok(None) => return false,
            Err(_) => {}
        }
    }
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn save(state: &State, th: &Theme, path: &Path) -> anyhow::Result<()> {
    let mut t = Terminal::new(TestBackend::new(WIDTH, HEIGHT))?;
    t.draw(|f| screen::draw(f, state, th))?;
    let svg = to_svg(t.backend().buffer(), th);
    std::fs::write(path, svg).with_context(|| format!("writing {}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

// ---- SVG ----

const CELL_W: f32 = 8.4;
const CELL_H: f32 = 17.0;
const FONT_SIZE: f32 = 14.0;
const DEFAULT_FG: &str = "#d0d0d0";
const DEFAULT_BG: &str = "#1c1c1c";

#[derive(Clone, PartialEq)]
struct Look {
    fg: String,
    bg: String,
    bold: bool,
    dim: bool,
    underline: bool,
}

fn look(cell: &ratatui::buffer::Cell, base_fg: &str, base_bg: &str) -> Look {
    let mut fg = hex(cell.fg).unwrap_or_else(|| base_fg.to_string());
    let mut bg = hex(cell.bg).unwrap_or_else(|| base_bg.to_string());
    if cell.modifier.contains(Modifier::REVERSED) {
        std::mem::swap(&mut fg, &mut bg);
    }
    Look {
        fg,
        bg,
        bold: cell.modifier.contains(Modifier::BOLD),
        dim: cell.modifier.contains(Modifier::DIM),
        underline: cell.modifier.contains(Modifier::UNDERLINED),
    }
}

/// One SVG: a background rect per run of same-coloured cells, then a <text> per row with a
/// <tspan> per run of same-styled cells, each placed at its column so fonts cannot drift.
fn to_svg(b: &Buffer, th: &Theme) -> String {
    let base_fg = hex(th.base.fg.unwrap_or(Color::Reset)).unwrap_or(DEFAULT_FG.into());
    let base_bg = hex(th.base.bg.unwrap_or(Color::Reset)).unwrap_or(DEFAULT_BG.into());
    let (w, h) = (b.area.width as usize, b.area.height as usize);
    let (pw, ph) = (w as f32 * CELL_W, h as f32 * CELL_H);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{pw}" height="{ph}" viewBox="0 0 {pw} {ph}">"#
    );
    let _ = writeln!(
        s,
        r#"<style>text{{font-family:"DejaVu Sans Mono","Menlo","Consolas",monospace;font-size:{FONT_SIZE}px;white-space:pre}}</style>"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="{base_bg}"/>"#);
    for y in 0..h {
        let row: Vec<(String, Look)> = (0..w)
            .map(|x| {
                let c = &b[(x as u16, y as u16)];
                (c.symbol().to_string(), look(c, &base_fg, &base_bg))
            })
            .collect();
        // Backgrounds.
        let mut x = 0;
        while x < w {
            let bg = &row[x].1.bg;
            let start = x;
            while x < w && &row[x].1.bg == bg {
                x += 1;
            }
            if *bg != base_bg {
                let _ = writeln!(
                    s,
                    r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{CELL_H}" fill="{bg}"/>"#,
                    start as f32 * CELL_W,
                    y as f32 * CELL_H,
                    (x - start) as f32 * CELL_W
                );
            }
        }
        // Text runs; blank runs are skipped (their background is already drawn).
        let baseline = y as f32 * CELL_H + CELL_H * 0.78;
        let mut spans = String::new();
        let mut x = 0;
        while x < w {
            let l = row[x].1.clone();
            let start = x;
            let mut text = String::new();
            while x < w && row[x].1 == l {
                let sym = &row[x].0;
                // A wide glyph's trailing cell holds an empty symbol: it is covered already.
                text.push_str(sym);
                x += 1;
            }
            if text.trim().is_empty() {
                continue;
            }
            let _ = write!(
                spans,
                r#"<tspan x="{:.1}" fill="{}"{}{}{}>{}</tspan>"#,
                start as f32 * CELL_W,
                l.fg,
                if l.bold { r#" font-weight="bold""# } else { "" },
                if l.dim { r#" fill-opacity="0.6""# } else { "" },
                if l.underline {
                    r#" text-decoration="underline""#
                } else {
                    ""
                },
                escape(&text)
            );
        }
        if !spans.is_empty() {
            let _ = writeln!(
                s,
                r#"<text y="{baseline:.1}" xml:space="preserve">{spans}</text>"#
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

fn escape(t: &str) -> String {
    let mut o = String::with_capacity(t.len());
    for c in t.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c if (c as u32) < 0x20 => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// Terminal colour to hex: xterm's defaults for the 16 named colours and the 256 palette.
fn hex(c: Color) -> Option<String> {
    const ANSI: [(u8, u8, u8); 16] = [
        (0x00, 0x00, 0x00),
        (0xcd, 0x31, 0x31),
        (0x0d, 0xbc, 0x79),
        (0xe5, 0xe5, 0x10),
        (0x24, 0x72, 0xc8),
        (0xbc, 0x3f, 0xbc),
        (0x11, 0xa8, 0xcd),
        (0xe5, 0xe5, 0xe5),
        (0x66, 0x66, 0x66),
        (0xf1, 0x4c, 0x4c),
        (0x23, 0xd1, 0x8b),
        (0xf5, 0xf5, 0x43),
        (0x3b, 0x8e, 0xea),
        (0xd6, 0x70, 0xd6),
        (0x29, 0xb8, 0xdb),
        (0xff, 0xff, 0xff),
    ];
    let rgb = |(r, g, b): (u8, u8, u8)| format!("#{r:02x}{g:02x}{b:02x}");
    let indexed = |i: u8| -> (u8, u8, u8) {
        match i {
            0..=15 => ANSI[i as usize],
            16..=231 => {
                let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
                let i = i - 16;
                (level(i / 36), level((i / 6) % 6), level(i % 6))
            }
            _ => {
                let g = 8 + (i - 232) * 10;
                (g, g, g)
            }
        }
    };
    Some(match c {
        Color::Reset => return None,
        Color::Black => rgb(ANSI[0]),
        Color::Red => rgb(ANSI[1]),
        Color::Green => rgb(ANSI[2]),
        Color::Yellow => rgb(ANSI[3]),
        Color::Blue => rgb(ANSI[4]),
        Color::Magenta => rgb(ANSI[5]),
        Color::Cyan => rgb(ANSI[6]),
        Color::Gray => rgb(ANSI[7]),
        Color::DarkGray => rgb(ANSI[8]),
        Color::LightRed => rgb(ANSI[9]),
        Color::LightGreen => rgb(ANSI[10]),
        Color::LightYellow => rgb(ANSI[11]),
        Color::LightBlue => rgb(ANSI[12]),
        Color::LightMagenta => rgb(ANSI[13]),
        Color::LightCyan => rgb(ANSI[14]),
        Color::White => rgb(ANSI[15]),
        Color::Indexed(i) => rgb(indexed(i)),
        Color::Rgb(r, g, b) => rgb((r, g, b)),
    })
}
