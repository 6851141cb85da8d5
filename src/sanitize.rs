//! Making text from the cluster safe to draw: pod names, event messages and log lines are
//! written by whoever runs workloads, and a terminal obeys control sequences hidden in them
//! (clear the screen, retitle the window, plant hyperlinks, reorder text with bidi overrides).
//!
//! What [`clean`] does with each kind of control, chosen so the operator can still see that
//! something was there without the terminal acting on it:
//! - SGR colour sequences (`ESC [ … m`) are dropped silently: they are everywhere in log lines
//!   and harmless once removed, so marking each one would only add noise.
//! - Every other ESC sequence (CSI, OSC such as titles and `OSC 8` hyperlinks, DCS, APC, PM,
//!   SOS, and two-byte escapes like `ESC c`) is dropped whole and replaced by one `�`. An
//!   unterminated string sequence (OSC/DCS/… without BEL or ST) swallows the rest of the text,
//!   as a terminal would.
//! - An ESC that starts no sequence becomes `␛`.
//! - Tab becomes four spaces (a cell cannot know its tab stops).
//! - Other C0 controls (including CR and LF) and DEL become their Unicode control pictures
//!   (`␀`…`␟`, `␡`), so `\r` cannot overwrite a line and a newline cannot break a table row.
//! - C1 controls (U+0080–U+009F) and bidi overrides/isolates (U+202A–U+202E, U+2066–U+2069)
//!   become `�`.
//!
//! Widths are terminal cells: Korean, Chinese and Japanese characters take two.

use std::borrow::Cow;
use unicode_width::UnicodeWidthChar;

const ESC: char = '\u{1b}';
const BEL: char = '\u{07}';
const DEL: char = '\u{7f}';
/// The 8-bit String Terminator, which ends OSC/DCS/… like `ESC \`.
const C1_ST: char = '\u{9c}';
const REMOVED: char = '\u{fffd}';
const TAB_AS_SPACES: &str = "    ";

/// `s` with every terminal control sequence removed or made visible (see the module docs).
/// Returns the input unchanged, without allocating, when there is nothing to clean.
pub fn clean(s: &str) -> Cow<'_, str> {
    match s.find(needs_cleaning) {
        None => Cow::Borrowed(s),
        Some(first) => {
            let mut out = String::with_capacity(s.len() + 8);
            out.push_str(&s[..first]);
            clean_into(&s[first..], &mut out);
            Cow::Owned(out)
        }
    }
}

/// Like [`clean`] but for log lines, where the operator wants to see what a program tried to
/// send: colour (SGR) sequences are still dropped, but any other escape is kept as text with its
/// ESC shown as `␛` (`\x1b]0;t\x07` becomes `␛]0;t␇`), so nothing reaches the terminal as a
/// control and nothing is hidden.
pub fn reveal(s: &str) -> Cow<'_, str> {
    match s.find(needs_cleaning) {
        None => Cow::Borrowed(s),
        Some(first) => {
            let mut out = String::with_capacity(s.len() + 8);
            out.push_str(&s[..first]);
            let mut chars = s[first..].chars();
            while let Some(c) = chars.next() {
                match c {
                    ESC => {
                        let mut ahead = chars.clone();
                        if ahead.next() == Some('[') && skip_csi(&mut ahead) == Some('m') {
                            chars = ahead;
                        } else {
                            out.push('\u{241b}');
                        }
                    }
                    '\t' => out.push_str(TAB_AS_SPACES),
                    '\u{0}'..='\u{1f}' => out.push(control_picture(c)),
                    DEL => out.push('\u{2421}'),
                    c if c.is_control() || is_bidi_control(c) => out.push(REMOVED),
                    c => out.push(c),
                }
            }
            Cow::Owned(out)
        }
    }
}

fn needs_cleaning(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn clean_into(s: &str, out: &mut String) {
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            ESC => skip_escape(&mut chars, out),
            '\t' => out.push_str(TAB_AS_SPACES),
            '\u{0}'..='\u{1f}' => out.push(control_picture(c)),
            DEL => out.push('\u{2421}'),
            c if c.is_control() || is_bidi_control(c) => out.push(REMOVED),
            c => out.push(c),
        }
    }
}

/// The Unicode "control picture" for a C0 control: NUL → `␀`, BEL → `␇`, LF → `␊`.
fn control_picture(c: char) -> char {
    char::from_u32(0x2400 + c as u32).unwrap_or(REMOVED)
}

/// Consumes the sequence that follows an ESC (already consumed) and writes its replacement.
fn skip_escape(chars: &mut std::str::Chars<'_>, out: &mut String) {
    let mut ahead = chars.clone();
    match ahead.next() {
        Some('[') => {
            *chars = ahead;
            if skip_csi(chars) != Some('m') {
                out.push(REMOVED);
            }
        }
        Some(']' | 'P' | '_' | '^' | 'X') => {
            *chars = ahead;
            skip_string_sequence(chars);
            out.push(REMOVED);
        }
        // Two-byte escapes: optional intermediates (e.g. `ESC ( B`) then a final byte.
        Some(c @ ' '..='~') => {
            let mut next = Some(c);
            while let Some(' '..='/') = next {
                next = ahead.next();
            }
            match next {
                Some('0'..='~') => {
                    *chars = ahead;
                    out.push(REMOVED);
                }
                _ => out.push('\u{241b}'),
            }
        }
        _ => out.push('\u{241b}'),
    }
}

/// Skips a CSI body: parameter bytes `0x30–0x3F`, intermediates `0x20–0x2F`, then one final
/// byte `0x40–0x7E`, which is returned. Stops without consuming at anything else, so a broken
/// sequence cannot hide the text after it.
fn skip_csi(chars: &mut std::str::Chars<'_>) -> Option<char> {
    loop {
        let mut ahead = chars.clone();
        match ahead.next() {
            Some('\u{20}'..='\u{3f}') => *chars = ahead,
            Some(c @ '\u{40}'..='\u{7e}') => {
                *chars = ahead;
                return Some(c);
            }
            _ => return None,
        }
    }
}

/// Skips an OSC/DCS/APC/PM/SOS body up to and including its terminator (BEL, `ESC \` or the
/// 8-bit ST), or to the end of the text if it has none.
fn skip_string_sequence(chars: &mut std::str::Chars<'_>) {
    while let Some(c) = chars.next() {
        match c {
            BEL | C1_ST => return,
            ESC => {
                let mut ahead = chars.clone();
                if ahead.next() == Some('\\') {
                    *chars = ahead;
                }
                return;
            }
            _ => {}
        }
    }
}

fn char_width(c: char) -> usize {
    c.width().unwrap_or(0)
}

/// Cells `s` takes on screen (wide CJK characters count two). Measure cleaned text: controls
/// count as zero here, but [`clean`] turns them into visible one-cell markers.
pub fn display_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// The longest prefix of `s` that fits in `width` cells. A wide character that would straddle
/// the edge is left out whole, so the result can be one cell narrower than `width`.
pub fn truncate_to_width(s: &str, width: usize) -> String {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        let w = char_width(c);
        if used + w > width {
            return s[..i].to_string();
        }
        used += w;
    }
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reveal_shows_escapes_as_text_and_drops_only_colour() {
        assert_eq!(
            reveal("a\x1b[2J\x1b[Hb\x1b]0;pwned\x07c"),
            "a\u{241b}[2J\u{241b}[Hb\u{241b}]0;pwned\u{2407}c"
        );
        assert_eq!(reveal("\x1b[31mred\x1b[0m"), "red");
        assert_eq!(reveal("x\ty\r\u{9b}"), "x    y\u{240d}\u{fffd}");
        assert!(matches!(reveal("plain"), Cow::Borrowed(_)));
        assert!(
            !reveal("\x1b]8;;http://x\x1b\\l")
                .chars()
                .any(|c| c.is_control())
        );
    }

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        let s = "nginx-7d9c5 Running 한국어";
        assert!(matches!(clean(s), Cow::Borrowed(t) if t == s));
    }

    #[test]
    fn clear_screen_is_removed_and_marked() {
        assert_eq!(clean("a\x1b[2Jb\x1b[Hc"), "a�b�c");
    }

    #[test]
    fn colour_codes_in_log_lines_vanish_silently() {
        assert_eq!(clean("\x1b[32mINFO\x1b[0m ready"), "INFO ready");
        assert_eq!(clean("\x1b[1;38;5;196mERR\x1b[m"), "ERR");
    }

    #[test]
    fn window_title_change_is_removed_with_either_terminator() {
        assert_eq!(clean("x\x1b]0;pwned\x07y"), "x�y");
        assert_eq!(clean("x\x1b]2;pwned\x1b\\y"), "x�y");
        assert_eq!(clean("x\x1b]2;pwned\u{9c}y"), "x�y");
    }

    #[test]
    fn hyperlink_is_removed_but_its_text_stays() {
        let s = "see \x1b]8;;https://evil.example\x1b\\docs\x1b]8;;\x1b\\ now";
        assert_eq!(clean(s), "see �docs� now");
    }

    #[test]
    fn dcs_and_apc_sequences_are_removed() {
        assert_eq!(clean("a\x1bPq#0;2;0;0;0\x1b\\b"), "a�b");
        assert_eq!(clean("a\x1b_Gf=100;AAAA\x1b\\b"), "a�b");
    }

    #[test]
    fn unterminated_osc_swallows_the_rest() {
        assert_eq!(clean("ok\x1b]0;title without end"), "ok�");
    }

    #[test]
    fn bare_esc_is_shown_as_a_symbol() {
        assert_eq!(clean("a\x1b"), "a␛");
        assert_eq!(clean("a\x1b\x1b[2J"), "a␛�");
        assert_eq!(clean("a\x1b\u{e9}"), "a␛\u{e9}");
    }

    #[test]
    fn two_byte_escapes_are_removed() {
        assert_eq!(clean("a\x1bcb"), "a�b");
        assert_eq!(clean("a\x1b(Bb"), "a�b");
    }

    #[test]
    fn broken_csi_does_not_hide_following_text() {
        assert_eq!(clean("a\x1b[12\nb"), "a�␊b");
    }

    #[test]
    fn lone_controls_become_visible_pictures() {
        assert_eq!(clean("a\rb\nc\0d\x07e\x7f"), "a␍b␊c␀d␇e␡");
        assert_eq!(clean("col1\tcol2"), "col1    col2");
    }

    #[test]
    fn c1_controls_and_bidi_overrides_are_replaced() {
        assert_eq!(clean("a\u{9b}2Jb"), "a�2Jb");
        assert_eq!(clean("abc\u{202e}cod.exe"), "abc�cod.exe");
        assert_eq!(clean("\u{2066}x\u{2069}"), "�x�");
    }

    #[test]
    fn korean_text_takes_two_cells_per_syllable() {
        assert_eq!(display_width("한국어"), 6);
        assert_eq!(display_width("pod-한"), 6);
        assert_eq!(display_width("abc"), 3);
    }

    #[test]
    fn truncation_never_splits_a_wide_character() {
        assert_eq!(truncate_to_width("한국어", 5), "한국");
        assert_eq!(truncate_to_width("한국어", 4), "한국");
        assert_eq!(truncate_to_width("a한국", 2), "a");
        assert_eq!(truncate_to_width("a한국", 3), "a한");
        assert_eq!(truncate_to_width("short", 10), "short");
        assert_eq!(truncate_to_width("한", 1), "");
        assert_eq!(truncate_to_width("anything", 0), "");
    }

    #[test]
    fn cleaned_text_has_the_width_of_its_markers() {
        assert_eq!(display_width(&clean("a\x1b[2Jb\r")), 4);
    }

    #[test]
    fn long_hostile_lines_clean_in_linear_time() {
        let unit = "한글 log \x1b[31mred\x1b[0m \x1b]0;t\x07 \r\t";
        let line: String = unit.repeat(200 * 1024 / unit.len());
        assert!(line.len() >= 190 * 1024);
        let start = std::time::Instant::now();
        let cleaned = clean(&line);
        let width = display_width(&cleaned);
        let cut = truncate_to_width(&cleaned, width / 2);
        let elapsed = start.elapsed();
        assert!(!cleaned.contains('\x1b'));
        assert!(display_width(&cut) <= width / 2);
        // Linear work on 200 KB is well under a millisecond in release; quadratic would be
        // seconds. The bound is loose so a slow debug build on a busy machine still passes.
        assert!(
            elapsed < std::time::Duration::from_millis(500),
            "{elapsed:?}"
        );

        let unterminated = format!("\x1b]{}", "x".repeat(200 * 1024));
        let start = std::time::Instant::now();
        assert_eq!(clean(&unterminated), "�");
        assert!(start.elapsed() < std::time::Duration::from_millis(500));
    }
}
