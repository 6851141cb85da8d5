//! Lean rows of core/v1 Events for the events view: what `kubectl get events` prints, plus the
//! involved object's identity for jumping to it. The Event itself is dropped; every text field
//! is sanitised here, once, so drawing never meets a control sequence.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Event;

use super::rows::{Key, Row};
use crate::printers::event as printer;
use crate::sanitize::clean;

/// A message longer than this is cut: the view shows one line, and a row must stay small.
const MESSAGE_MAX: usize = 512;

#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub namespace: String,
    pub name: String,
    /// `Normal` or `Warning` (whatever the writer set).
    pub type_: String,
    pub reason: String,
    pub object_kind: String,
    pub object_namespace: String,
    pub object_name: String,
    pub count: i32,
    pub message: String,
    /// LAST SEEN with kubectl's fallbacks (`printers::event::last_seen`).
    pub last_seen: Option<Timestamp>,
}

impl Row for EventRow {
    fn key(&self) -> Key {
        (self.namespace.clone(), self.name.clone())
    }
}

fn text(s: Option<&str>) -> String {
    clean(s.unwrap_or_default()).into_owned()
}

impl EventRow {
    pub fn from_event(e: &Event) -> Self {
        let m = &e.metadata;
        let o = &e.involved_object;
        let mut message = text(e.message.as_deref().map(str::trim));
        if message.len() > MESSAGE_MAX {
            let mut cut = MESSAGE_MAX;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
            message.push('…');
        }
        EventRow {
            namespace: text(m.namespace.as_deref()),
            name: text(m.name.as_deref()),
            type_: text(e.type_.as_deref()),
            reason: text(e.reason.as_deref()),
            object_kind: text(o.kind.as_deref()),
            object_namespace: text(o.namespace.as_deref()),
            object_name: text(o.name.as_deref()),
            count: printer::count(e),
            message,
            last_seen: printer::last_seen(e),
        }
    }

    pub fn is_warning(&self) -> bool {
        self.type_ == "Warning"
    }

    /// OBJECT as kubectl prints it: `pod/web-1`.
    pub fn object(&self) -> String {
        let kind = self.object_kind.to_lowercase();
        if self.object_name.is_empty() {
            kind
        } else {
            format!("{kind}/{}", self.object_name)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_event_becomes_a_sanitised_lean_row() {
        let e: Event = serde_json::from_value(json!({
            "metadata": {"name": "web-1.17f", "namespace": "default"},
            "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web-1"},
            "type": "Warning", "reason": "BackOff",
            "message": "  Back-off \u{1b}]0;pwned\u{7} restarting failed container\n",
            "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:03:00Z", "count": 4
        }))
        .unwrap();
        let r = EventRow::from_event(&e);
        assert_eq!(r.key(), ("default".into(), "web-1.17f".into()));
        assert!(r.is_warning());
        assert_eq!(r.object(), "pod/web-1");
        assert_eq!(r.count, 4);
        assert_eq!(r.last_seen, Some("2026-01-01T00:03:00Z".parse().unwrap()));
        assert!(!r.message.contains('\u{1b}'), "{:?}", r.message);
        assert!(r.message.starts_with("Back-off"), "{:?}", r.message);
    }

    #[test]
    fn a_huge_message_is_cut() {
        let e: Event = serde_json::from_value(json!({
            "metadata": {"name": "e"}, "involvedObject": {}, "message": "é".repeat(2000)
        }))
        .unwrap();
        let r = EventRow::from_event(&e);
        assert!(r.message.len() <= MESSAGE_MAX + '…'.len_utf8());
        assert!(r.message.ends_with('…'));
    }
}
