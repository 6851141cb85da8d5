//! One log pane's view state: what it follows, its buffer, follow/pause, scroll, wrap,
//! timestamps, since, search and filter. Pure.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::cluster::logs::{LogLine, TailSpec};

use super::buffer::{LogBuffer, matches};
use crate::sanitize::reveal;

/// History a tail starts with, per container, when `since` is the default.
pub const TAIL_LINES: i64 = 200;

/// How far back a pane reads (`s` cycles through these).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// The last [`TAIL_LINES`] lines per container.
    Tail,
    Minutes(i64),
    All,
}

impl Since {
    pub const CYCLE: [Since; 6] = [
        Since::Tail,
        Since::Minutes(1),
        Since::Minutes(5),
        Since::Minutes(15),
        Since::Minutes(60),
        Since::All,
    ];

    pub fn next(self) -> Since {
        let i = Self::CYCLE.iter().position(|s| *s == self).unwrap_or(0);
        Self::CYCLE[(i + 1) % Self::CYCLE.len()]
    }

    pub fn label(self) -> String {
        match self {
            Since::Tail => format!("tail {TAIL_LINES}"),
            Since::Minutes(60) => "since 1h".into(),
            Since::Minutes(m) => format!("since {m}m"),
            Since::All => "since start".into(),
        }
    }

    /// (sinceSeconds, tailLines) for the API.
    pub fn params(self) -> (Option<i64>, Option<i64>) {
        match self {
            Since::Tail => (None, Some(TAIL_LINES)),
            Since::Minutes(m) => (Some(m * 60), None),
            Since::All => (None, None),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodState {
    Streaming,
    Ended,
    Gone,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogPane {
    pub id: u64,
    pub context: String,
    pub spec: TailSpec,
    /// Bumped on every restart; events of older tails are ignored.
    pub generation: u64,
    pub buffer: LogBuffer,
    pub paused: bool,
    /// Lines that arrived while paused.
    pub new_while_paused: u64,
    /// Shown lines between the bottom of the view and the newest line.
    pub scroll: usize,
    pub wrap: bool,
    pub timestamps: bool,
    pub since: Since,
    pub search: Option<String>,
    /// The match the view is on (absolute line number).
    pub current_match: Option<u64>,
    pub filter: Option<String>,
    /// Per pod/container stream.
    pub streams: BTreeMap<(String, String), PodState>,
    pub problem: Option<String>,
}

impl LogPane {
    pub fn new(id: u64, context: String, spec: TailSpec, cap: usize) -> LogPane {
        let since = if spec.tail_lines.is_some() || spec.since_seconds.is_some() {
            Since::Tail
        } else {
            Since::All
        };
        LogPane {
            id,
            context,
            spec,
            generation: 0,
            buffer: LogBuffer::new(cap),
            paused: false,
            new_while_paused: 0,
            scroll: 0,
            wrap: false,
            timestamps: false,
            since,
            search: None,
            current_match: None,
            filter: None,
            streams: BTreeMap::new(),
            problem: None,
        }
    }

    pub fn push(&mut self, lines: Vec<LogLine>) {
        if self.paused {
            let n = lines.len() as u64;
            let shown = lines
                .iter()
                .filter(|l| self.filter.as_deref().is_none_or(|f| matches(&l.text, f)))
                .count();
            self.new_while_paused += n;
            // Anchored to the bottom: keep the same lines in view while new ones arrive.
            self.scroll += shown;
        }
        self.buffer.extend(lines);
        self.scroll = self.scroll.min(self.shown_count().saturating_sub(1));
    }

    /// A line the pane writes itself (a pod joined or went away), tagged with the pod.
    pub fn mark(&mut self, pod: &str, text: String) {
        self.push(vec![LogLine {
            pod: Arc::from(pod),
            container: Arc::from(""),
            time: None,
            text,
        }]);
    }

    pub fn shown_count(&self) -> usize {
        match &self.filter {
            None => self.buffer.len(),
            Some(f) => self.buffer.shown_rev(Some(f)).count(),
        }
    }

    pub fn toggle_pause(&mut self) {
        if self.paused {
            self.follow();
        } else {
            self.paused = true;
        }
    }

    pub fn follow(&mut self) {
        self.paused = false;
        self.scroll = 0;
        self.new_while_paused = 0;
    }

    /// Scrolls towards older lines (`delta` > 0) or newer; scrolling up pauses.
    pub fn scroll_by(&mut self, delta: isize) {
        if delta > 0 {
            self.paused = true;
        }
        let max = self.shown_count().saturating_sub(1) as isize;
        self.scroll = (self.scroll as isize + delta).clamp(0, max.max(0)) as usize;
    }

    pub fn set_filter(&mut self, text: &str) {
        self.filter = (!text.is_empty()).then(|| text.to_string());
        self.scroll = 0;
        if self.paused {
            self.scroll_to_match();
        }
    }

    /// Starts a search: the view jumps to the newest match and pauses there.
    pub fn search(&mut self, query: &str) {
        if query.is_empty() {
            self.search = None;
            self.current_match = None;
            return;
        }
        self.search = Some(query.to_string());
        self.current_match = self
            .buffer
            .find(query, self.filter.as_deref(), u64::MAX, false);
        if self.current_match.is_some() {
            self.paused = true;
            self.scroll_to_match();
        }
    }

    /// `n` (forward, newer) / `N` (older), wrapping around.
    pub fn next_match(&mut self, forward: bool) {
        let Some(q) = self.search.clone() else { return };
        let from = self
            .current_match
            .unwrap_or(if forward { 0 } else { u64::MAX });
        self.current_match = self.buffer.find(&q, self.filter.as_deref(), from, forward);
        if self.current_match.is_some() {
            self.paused = true;
            self.scroll_to_match();
        }
    }

    fn scroll_to_match(&mut self) {
        if let Some(m) = self.current_match {
            self.scroll = self
                .buffer
                .shown_rev(self.filter.as_deref())
                .take_while(|(n, _)| *n > m)
                .count();
        }
    }

    /// Forgets the lines and starts a new tail (since or previous changed); the spec to start.
    pub fn restart(&mut self) -> TailSpec {
        let (since_seconds, tail_lines) = self.since.params();
        self.spec.since_seconds = since_seconds;
        self.spec.tail_lines = tail_lines;
        self.generation += 1;
        self.buffer.clear();
        self.streams.clear();
        self.current_match = None;
        self.problem = None;
        self.follow();
        self.spec.clone()
    }

    pub fn live_pods(&self) -> usize {
        let mut pods: Vec<&str> = self
            .streams
            .iter()
            .filter(|(_, s)| **s == PodState::Streaming)
            .map(|((p, _), _)| p.as_str())
            .collect();
        pods.dedup();
        pods.len()
    }

    /// following / paused +N new / ended.
    pub fn state_label(&self) -> String {
        let ended =
            !self.streams.is_empty() && self.streams.values().all(|s| *s != PodState::Streaming);
        if self.paused {
            format!("paused +{} new", self.new_while_paused)
        } else if ended || (self.spec.previous && !self.streams.is_empty()) {
            "ended".into()
        } else {
            "following".into()
        }
    }

    /// A name for files: the target without characters a path would mind.
    pub fn file_stem(&self) -> String {
        let t = match &self.spec.target {
            crate::cluster::logs::Target::Pod { name, .. } => name.clone(),
            crate::cluster::logs::Target::Selector { selector, .. } => selector.clone(),
        };
        let t: String = t
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("{}-{t}", self.context)
    }
}

/// The short tag a line is prefixed with: the pod's distinguishing tail (a ReplicaSet pod's
/// 5-character suffix) and the container.
pub fn tag(pod: &str, container: &str) -> String {
    let short = match pod.rsplit_once('-') {
        Some((_, suffix)) if suffix.len() == 5 => suffix.to_string(),
        _ => {
            let chars: Vec<char> = pod.chars().collect();
            chars[chars.len().saturating_sub(12)..].iter().collect()
        }
    };
    if container.is_empty() {
        return short;
    }
    let c: String = container.chars().take(16).collect();
    format!("{short}/{c}")
}

/// A line as the pane shows it: tag, timestamp (when shown) and text, every control sequence
/// made visible instead of obeyed.
pub fn shown_parts(line: &LogLine, timestamps: bool) -> (String, Option<String>, String) {
    let tag = reveal(&tag(&line.pod, &line.container)).into_owned();
    let time = timestamps.then(|| {
        line.time
            .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
            .unwrap_or_else(|| " ".repeat(24))
    });
    (tag, time, reveal(&line.text).into_owned())
}

/// One shown line as plain text, as a saved file has it.
pub fn plain(line: &LogLine, timestamps: bool) -> String {
    let (tag, time, text) = shown_parts(line, timestamps);
    match time {
        Some(t) => format!("{tag} {t} {text}"),
        None => format!("{tag} {text}"),
    }
}

/// The pane's shown lines (filter applied), oldest first, one per line.
pub fn saved_text(p: &LogPane) -> String {
    let mut lines: Vec<String> = p
        .buffer
        .shown_rev(p.filter.as_deref())
        .map(|(_, l)| plain(l, p.timestamps))
        .collect();
    lines.reverse();
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::logs::Target;

    fn pane() -> LogPane {
        LogPane::new(
            1,
            "prod".into(),
            TailSpec {
                target: Target::Selector {
                    namespace: "default".into(),
                    selector: "app=web".into(),
                },
                container: None,
                since_seconds: None,
                tail_lines: Some(TAIL_LINES),
                previous: false,
            },
            100,
        )
    }

    fn lines(texts: &[&str]) -> Vec<LogLine> {
        texts
            .iter()
            .map(|t| LogLine {
                pod: "web-abcde".into(),
                container: "web".into(),
                time: None,
                text: t.to_string(),
            })
            .collect()
    }

    #[test]
    fn paused_pane_counts_new_lines_and_keeps_its_view() {
        let mut p = pane();
        p.push(lines(&["a", "b"]));
        p.toggle_pause();
        p.push(lines(&["c", "d", "e"]));
        assert_eq!(p.state_label(), "paused +3 new");
        assert_eq!(p.scroll, 3, "a and b stay at the bottom of the view");
        p.toggle_pause();
        assert_eq!((p.scroll, p.new_while_paused), (0, 0));
        assert_eq!(p.state_label(), "following");
    }

    #[test]
    fn search_jumps_to_the_newest_match_and_n_moves_older_and_wraps() {
        let mut p = pane();
        p.push(lines(&["err 1", "ok", "err 2", "ok", "ok"]));
        p.search("ERR");
        assert!(p.paused);
        assert_eq!(p.current_match, Some(2));
        assert_eq!(p.scroll, 2);
        p.next_match(false);
        assert_eq!(p.current_match, Some(0));
        p.next_match(true);
        assert_eq!(p.current_match, Some(2));
        p.next_match(true);
        assert_eq!(p.current_match, Some(0), "wraps");
    }

    #[test]
    fn since_cycles_and_restart_clears_the_buffer() {
        let mut p = pane();
        p.push(lines(&["a"]));
        p.since = p.since.next();
        assert_eq!(p.since, Since::Minutes(1));
        let spec = p.restart();
        assert_eq!((spec.since_seconds, spec.tail_lines), (Some(60), None));
        assert_eq!((p.generation, p.buffer.len()), (1, 0));
        assert_eq!(Since::All.next(), Since::Tail);
        assert_eq!(Since::Minutes(60).label(), "since 1h");
    }

    #[test]
    fn tags_are_short() {
        assert_eq!(
            tag("nginx-ingress-7d9f8b6c5-x2k9q", "nginx-ingress"),
            "x2k9q/nginx-ingress"
        );
        assert_eq!(tag("keycloak-0", ""), "keycloak-0");
    }

    #[test]
    fn saved_text_is_what_the_pane_shows_with_escapes_visible() {
        let mut p = pane();
        p.push(lines(&["ok", "bad \u{1b}[2J here", "skip"]));
        p.set_filter("e");
        assert_eq!(saved_text(&p), "abcde/web bad \u{241b}[2J here\n");
    }

    #[test]
    fn scrolling_up_pauses_and_stays_in_range() {
        let mut p = pane();
        p.push(lines(&["a", "b", "c"]));
        p.scroll_by(10);
        assert!(p.paused);
        assert_eq!(p.scroll, 2);
        p.scroll_by(-10);
        assert_eq!(p.scroll, 0);
    }
}
