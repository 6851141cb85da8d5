//! A pane's lines: a ring buffer that keeps the newest `cap` lines and counts what it dropped,
//! with the searches and filters the view needs. Pure.

use std::collections::VecDeque;

use crate::cluster::logs::LogLine;

#[derive(Debug, Clone, PartialEq)]
pub struct LogBuffer {
    lines: VecDeque<LogLine>,
    cap: usize,
    /// Lines pushed out by the cap since the pane opened.
    pub dropped: u64,
    /// Absolute number of the front line: line `i` of the buffer is line `first + i` ever received.
    first: u64,
}

impl LogBuffer {
    pub fn new(cap: usize) -> LogBuffer {
        LogBuffer {
            lines: VecDeque::new(),
            cap: cap.max(1),
            dropped: 0,
            first: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Every line received so far, including dropped ones.
    pub fn received(&self) -> u64 {
        self.first + self.lines.len() as u64
    }

    pub fn extend(&mut self, lines: impl IntoIterator<Item = LogLine>) {
        for l in lines {
            if self.lines.len() == self.cap {
                self.lines.pop_front();
                self.dropped += 1;
                self.first += 1;
            }
            self.lines.push_back(l);
        }
    }

    pub fn clear(&mut self) {
        self.first += self.lines.len() as u64;
        self.lines.clear();
    }

    /// The line with absolute number `n`, if still kept.
    pub fn get(&self, n: u64) -> Option<&LogLine> {
        n.checked_sub(self.first)
            .and_then(|i| self.lines.get(i as usize))
    }

    /// Kept lines with their absolute numbers, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (u64, &LogLine)> {
        let first = self.first;
        self.lines
            .iter()
            .enumerate()
            .map(move |(i, l)| (first + i as u64, l))
    }

    /// Lines `filter` lets through (all when None), newest first.
    pub fn shown_rev<'a>(
        &'a self,
        filter: Option<&'a str>,
    ) -> impl Iterator<Item = (u64, &'a LogLine)> + 'a {
        self.iter()
            .rev()
            .filter(move |(_, l)| filter.is_none_or(|f| matches(&l.text, f)))
    }

    /// The nearest shown line containing `query` after (`forward`) or before line `from`,
    /// wrapping around; None when nothing matches.
    pub fn find(&self, query: &str, filter: Option<&str>, from: u64, forward: bool) -> Option<u64> {
        let hits: Vec<u64> = self
            .shown_rev(filter)
            .filter(|(_, l)| matches(&l.text, query))
            .map(|(n, _)| n)
            .collect();
        if forward {
            hits.iter()
                .rev()
                .find(|&&n| n > from)
                .or(hits.last())
                .copied()
        } else {
            hits.iter().find(|&&n| n < from).or(hits.first()).copied()
        }
    }
}

/// Case-insensitive substring match (ASCII case folding, so it stays cheap on long lines).
pub fn matches(text: &str, query: &str) -> bool {
    if query.is_empty() {
        return true;
    }
    let q = query.as_bytes();
    text.as_bytes()
        .windows(q.len())
        .any(|w| w.eq_ignore_ascii_case(q))
}

/// Byte ranges of `query` in `text` (case-insensitive), for highlighting.
pub fn match_ranges(text: &str, query: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if query.is_empty() {
        return out;
    }
    let q = query.as_bytes();
    let t = text.as_bytes();
    let mut i = 0;
    while i + q.len() <= t.len() {
        if t[i..i + q.len()].eq_ignore_ascii_case(q)
            && text.is_char_boundary(i)
            && text.is_char_boundary(i + q.len())
        {
            out.push((i, i + q.len()));
            i += q.len();
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> LogLine {
        LogLine {
            pod: "p".into(),
            container: "c".into(),
            time: None,
            text: text.into(),
        }
    }

    #[test]
    fn cap_drops_the_oldest_and_counts_them() {
        let mut b = LogBuffer::new(3);
        b.extend((0..5).map(|i| line(&format!("l{i}"))));
        assert_eq!(b.len(), 3);
        assert_eq!(b.dropped, 2);
        assert_eq!(b.received(), 5);
        assert_eq!(b.get(2).unwrap().text, "l2");
        assert!(b.get(1).is_none());
        let texts: Vec<&str> = b.iter().map(|(_, l)| l.text.as_str()).collect();
        assert_eq!(texts, ["l2", "l3", "l4"]);
    }

    #[test]
    fn filter_hides_non_matching_lines_case_insensitively() {
        let mut b = LogBuffer::new(10);
        b.extend(["GET /a", "post /b", "get /c"].map(line));
        let shown: Vec<u64> = b.shown_rev(Some("get")).map(|(n, _)| n).collect();
        assert_eq!(shown, [2, 0]);
    }

    #[test]
    fn find_moves_between_matches_and_wraps() {
        let mut b = LogBuffer::new(10);
        b.extend(["err 1", "ok", "err 2", "ok", "err 3"].map(line));
        assert_eq!(b.find("err", None, 4, false), Some(2));
        assert_eq!(b.find("err", None, 2, false), Some(0));
        assert_eq!(b.find("err", None, 0, false), Some(4));
        assert_eq!(b.find("err", None, 2, true), Some(4));
        assert_eq!(b.find("err", None, 4, true), Some(0));
        assert_eq!(b.find("nope", None, 4, true), None);
    }

    #[test]
    fn match_ranges_find_every_occurrence() {
        assert_eq!(match_ranges("aXa xa", "xa"), [(1, 3), (4, 6)]);
        assert_eq!(match_ranges("日本 err", "ERR"), [(7, 10)]);
        assert!(match_ranges("abc", "").is_empty());
    }
}
