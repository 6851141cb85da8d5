//! kubectl's reading of a core/v1 Event's times and count (`printEvent` in
//! `pkg/printers/internalversion/printers.go`), for the simulator's Table cells and the
//! cockpit's event rows alike.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Event;

/// When the event was first seen: `firstTimestamp`, else `eventTime` (events.k8s.io writers).
pub fn first_seen(e: &Event) -> Option<Timestamp> {
    e.first_timestamp
        .as_ref()
        .map(|t| t.0)
        .or_else(|| e.event_time.as_ref().map(|t| t.0))
}

/// LAST SEEN: a series' `lastObservedTime`; else `lastTimestamp`; else the first time seen.
pub fn last_seen(e: &Event) -> Option<Timestamp> {
    match &e.series {
        Some(s) => s.last_observed_time.as_ref().map(|t| t.0),
        None => e
            .last_timestamp
            .as_ref()
            .map(|t| t.0)
            .or_else(|| first_seen(e)),
    }
}

/// COUNT: a series' count; else `count`, where 0 (unset by events.k8s.io singletons) is 1.
pub fn count(e: &Event) -> i32 {
    match &e.series {
        Some(s) => s.count.unwrap_or(0),
        None => match e.count.unwrap_or(0) {
            0 => 1,
            n => n,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(v: serde_json::Value) -> Event {
        let mut base = json!({"metadata": {"name": "e"}, "involvedObject": {}});
        base.as_object_mut()
            .unwrap()
            .extend(v.as_object().unwrap().clone());
        serde_json::from_value(base).unwrap()
    }

    fn t(s: &str) -> Option<Timestamp> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn last_seen_falls_back_as_kubectl_does() {
        let e = event(
            json!({"firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:05:00Z", "count": 3}),
        );
        assert_eq!(last_seen(&e), t("2026-01-01T00:05:00Z"));
        assert_eq!(count(&e), 3);
        let e = event(json!({"firstTimestamp": "2026-01-01T00:00:00Z"}));
        assert_eq!(last_seen(&e), t("2026-01-01T00:00:00Z"));
        assert_eq!(count(&e), 1, "unset count is a singleton");
        let e = event(json!({"eventTime": "2026-01-01T00:01:00.000000Z"}));
        assert_eq!(last_seen(&e), t("2026-01-01T00:01:00Z"));
        let e = event(
            json!({"eventTime": "2026-01-01T00:01:00.000000Z", "lastTimestamp": "2026-01-01T00:02:00Z",
            "series": {"count": 7, "lastObservedTime": "2026-01-01T00:09:00.000000Z"}}),
        );
        assert_eq!(last_seen(&e), t("2026-01-01T00:09:00Z"));
        assert_eq!(count(&e), 7);
        assert_eq!(last_seen(&event(json!({}))), None);
    }
}
