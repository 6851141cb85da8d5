//! Ages and durations rendered the way kubectl renders them (`5m12s`, `3h`, `2d4h`).

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

/// Anything [`human_duration`] can format: jiff's signed durations, and std's unsigned ones.
pub trait ElapsedTime {
    fn as_signed_duration(&self) -> SignedDuration;
}

impl ElapsedTime for SignedDuration {
    fn as_signed_duration(&self) -> SignedDuration {
        *self
    }
}

impl ElapsedTime for std::time::Duration {
    fn as_signed_duration(&self) -> SignedDuration {
        // Durations beyond i64 seconds are centuries away from anything we print.
        SignedDuration::try_from(*self).unwrap_or(SignedDuration::MAX)
    }
}

/// kubectl's `duration.HumanDuration`: two to three significant figures, with precision
/// shrinking as the duration grows (`90s`, `5m12s`, `42m`, `3h5m`, `20h`, `2d4h`, `30d`, `2y5d`).
pub fn human_duration(d: impl ElapsedTime) -> String {
    let d = d.as_signed_duration();
    // Truncation toward zero, as Go's int(d.Seconds()) does.
    let seconds = d.as_secs();
    // A second of clock skew between machines still reads as "just now".
    if seconds < -1 {
        return "<invalid>".to_string();
    }
    if seconds < 0 {
        return "0s".to_string();
    }
    if seconds < 2 * 60 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        return with_remainder(minutes, "m", seconds % 60, "s");
    }
    if minutes < 3 * 60 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        return with_remainder(hours, "h", minutes % 60, "m");
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    let days = hours / 24;
    if hours < 24 * 8 {
        return with_remainder(days, "d", hours % 24, "h");
    }
    if hours < 24 * 365 * 2 {
        return format!("{days}d");
    }
    let years = days / 365;
    if hours < 24 * 365 * 8 {
        return with_remainder(years, "y", days % 365, "d");
    }
    format!("{years}y")
}

/// `3h5m`, but a bare `3h` when the smaller unit is zero.
fn with_remainder(major: i64, major_unit: &str, minor: i64, minor_unit: &str) -> String {
    if minor == 0 {
        format!("{major}{major_unit}")
    } else {
        format!("{major}{major_unit}{minor}{minor_unit}")
    }
}

/// Time elapsed from `then` to `now`, as kubectl's AGE-style cells show it.
pub fn since(then: Timestamp, now: Timestamp) -> String {
    human_duration(now.duration_since(then))
}

/// The AGE cell: `<unknown>` when the object has no creation timestamp.
pub fn age_of(created: Option<&Time>, now: Timestamp) -> String {
    match created {
        Some(Time(t)) => since(*t, now),
        None => "<unknown>".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: i64) -> SignedDuration {
        SignedDuration::from_secs(s)
    }

    const MIN: i64 = 60;
    const HOUR: i64 = 60 * MIN;
    const DAY: i64 = 24 * HOUR;
    const YEAR: i64 = 365 * DAY;

    #[test]
    fn human_duration_matches_kubectl() {
        let cases: &[(i64, &str)] = &[
            (0, "0s"),
            (59, "59s"),
            // Seconds are shown up to two minutes, not one.
            (60, "60s"),
            (119, "119s"),
            (2 * MIN, "2m"),
            (5 * MIN + 12, "5m12s"),
            (9 * MIN + 59, "9m59s"),
            (10 * MIN, "10m"),
            (10 * MIN + 30, "10m"),
            (179 * MIN, "179m"),
            (3 * HOUR, "3h"),
            (3 * HOUR + 5 * MIN, "3h5m"),
            (7 * HOUR + 59 * MIN, "7h59m"),
            (8 * HOUR, "8h"),
            (8 * HOUR + 30 * MIN, "8h"),
            (47 * HOUR, "47h"),
            (2 * DAY, "2d"),
            (2 * DAY + 4 * HOUR, "2d4h"),
            (7 * DAY + 23 * HOUR, "7d23h"),
            (8 * DAY, "8d"),
            (729 * DAY, "729d"),
            (2 * YEAR, "2y"),
            (2 * YEAR + 5 * DAY, "2y5d"),
            (8 * YEAR, "8y"),
            (8 * YEAR + 100 * DAY, "8y"),
        ];
        for &(s, want) in cases {
            assert_eq!(human_duration(secs(s)), want, "{s}s");
        }
    }

    #[test]
    fn small_clock_skew_reads_as_zero_but_larger_is_invalid() {
        assert_eq!(human_duration(SignedDuration::from_millis(-500)), "0s");
        assert_eq!(human_duration(SignedDuration::from_millis(-1500)), "0s");
        assert_eq!(human_duration(secs(-2)), "<invalid>");
    }

    #[test]
    fn std_durations_are_accepted() {
        assert_eq!(
            human_duration(std::time::Duration::from_secs(5 * 60 + 12)),
            "5m12s"
        );
    }

    #[test]
    fn age_of_missing_timestamp_is_unknown() {
        let now: Timestamp = "2025-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(age_of(None, now), "<unknown>");
        let created = Time("2024-12-30T20:00:00Z".parse().unwrap());
        assert_eq!(age_of(Some(&created), now), "28h");
    }
}
