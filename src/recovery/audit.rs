//! The audit log: one JSON line per mutation (who, where, what, the outcome, and the kubectl
//! command that does the same), in the XDG state directory, and one per event worth recording
//! that changes nothing (a Secret's values shown on screen). Tokens and secret values never
//! enter it: an entry holds the kubeconfig user's name only, and a reveal names keys only.

use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// RFC 3339.
    pub time: String,
    pub context: String,
    /// The kubeconfig user's name (never its credentials).
    pub user: String,
    pub action: String,
    pub objects: Vec<String>,
    pub result: String,
    pub kubectl: String,
    /// A mutation (the default, and every line written before records had kinds) or an event.
    #[serde(default, skip_serializing_if = "Record::is_mutation")]
    pub record: Record,
}

/// What an audit line records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Record {
    /// A change to a cluster (or an attempt, or a refusal).
    #[default]
    Mutation,
    /// Something that changed nothing but is worth knowing later: a Secret's values revealed.
    Event,
}

impl Record {
    fn is_mutation(&self) -> bool {
        *self == Record::Mutation
    }
}

impl AuditEntry {
    pub fn new(
        context: &str,
        user: &str,
        action: &str,
        objects: Vec<String>,
        result: &str,
        kubectl: &str,
    ) -> AuditEntry {
        AuditEntry {
            time: Timestamp::now().to_string(),
            context: context.into(),
            user: user.into(),
            action: action.into(),
            objects,
            result: result.into(),
            kubectl: kubectl.into(),
            record: Record::Mutation,
        }
    }

    /// An event (changes nothing), e.g. a Secret's values revealed.
    pub fn event(
        context: &str,
        user: &str,
        action: &str,
        objects: Vec<String>,
        result: &str,
        kubectl: &str,
    ) -> AuditEntry {
        AuditEntry {
            record: Record::Event,
            ..AuditEntry::new(context, user, action, objects, result, kubectl)
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("cannot read audit log {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("audit log {path} line {line} is not an audit entry: {reason}")]
    BadLine {
        path: PathBuf,
        line: usize,
        reason: String,
    },
}

/// `audit.jsonl` in the state directory (`$XDG_STATE_HOME/kockpit`), or the local data
/// directory where the platform has no state directory.
pub fn default_path() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "kockpit")?;
    let dir = dirs
        .state_dir()
        .unwrap_or_else(|| dirs.data_local_dir())
        .to_path_buf();
    Some(dir.join("audit.jsonl"))
}

/// Appends one line, creating the directory and the file (mode 0600: it names who did what).
pub fn append(path: &Path, entry: &AuditEntry) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    let mut line = serde_json::to_string(entry).map_err(io::Error::other)?;
    line.push('\n');
    // One write per entry so that concurrent appenders never interleave inside a line.
    file.write_all(line.as_bytes())
}

/// Entries at or after `since` (all when None); a missing file is an empty log.
pub fn read(path: &Path, since: Option<Timestamp>) -> Result<Vec<AuditEntry>, AuditError> {
    let io_err = |source| AuditError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_err(e)),
    };
    let mut out = Vec::new();
    for (i, line) in io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(io_err)?;
        if line.trim().is_empty() {
            continue;
        }
        let bad = |reason: String| AuditError::BadLine {
            path: path.to_path_buf(),
            line: i + 1,
            reason,
        };
        let entry: AuditEntry = serde_json::from_str(&line).map_err(|e| bad(e.to_string()))?;
        if let Some(since) = since {
            let t: Timestamp = entry
                .time
                .parse()
                .map_err(|e: jiff::Error| bad(e.to_string()))?;
            if t < since {
                continue;
            }
        }
        out.push(entry);
    }
    Ok(out)
}

/// The text `kockpit audit` prints: one line per entry, then its kubectl equivalent. Every
/// field passes through `sanitize::reveal`: results carry API server messages (an admission
/// webhook's denial can hold escape sequences or newlines) and names come from the cluster.
pub fn format(entries: &[AuditEntry]) -> String {
    use crate::sanitize::reveal;
    let mut s = String::new();
    for e in entries {
        let objects = e.objects.join(" ");
        let event = if e.record == Record::Event {
            "event: "
        } else {
            ""
        };
        s.push_str(&format!(
            "{}  {}  {}  {event}{} {}  {}\n    $ {}\n",
            reveal(&e.time),
            reveal(&e.context),
            reveal(&e.user),
            reveal(&e.action),
            reveal(&objects),
            reveal(&e.result),
            reveal(&e.kubectl)
        ));
    }
    s
}

/// `--since` text: a duration back from `now` (`45s`, `30m`, `2h`, `1d`) or an RFC 3339 time.
pub fn parse_since(text: &str, now: Timestamp) -> Result<Timestamp, String> {
    let text = text.trim();
    if let Ok(t) = text.parse::<Timestamp>() {
        return Ok(t);
    }
    let bad = || {
        format!(
            "--since {text:?}: give a duration like 30m, 2h or 1d, or a time like 2026-01-01T00:00:00Z"
        )
    };
    let unit = text.chars().last().ok_or_else(bad)?;
    let secs_per = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return Err(bad()),
    };
    let n: i64 = text[..text.len() - 1].parse().map_err(|_| bad())?;
    if n < 0 {
        return Err(bad());
    }
    now.checked_sub(SignedDuration::from_secs(n.saturating_mul(secs_per)))
        .map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_entries_show_escapes_and_newlines_instead_of_obeying_them() {
        let e = AuditEntry::new(
            "prod",
            "admin",
            "delete",
            vec!["pod/default/web\x1b]0;owned\x07".into()],
            "error: denied by webhook: \x1b[2J\x1b[Hall clear\nfake: ok",
            "kubectl --context prod delete pod web -n default",
        );
        let out = format(&[e]);
        assert!(!out.contains('\x1b') && !out.contains('\x07'), "{out:?}");
        assert_eq!(out.lines().count(), 2, "no spoofed line: {out:?}");
        assert!(out.contains("denied by webhook: ␛[2J␛[Hall clear"), "{out}");
    }

    fn now() -> Timestamp {
        "2026-01-02T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn parse_since_takes_durations_and_times() {
        assert_eq!(
            parse_since("2h", now()).unwrap(),
            "2026-01-02T10:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(
            parse_since("30m", now()).unwrap(),
            "2026-01-02T11:30:00Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(
            parse_since("1d", now()).unwrap(),
            "2026-01-01T12:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(
            parse_since("2026-01-01T08:00:00+02:00", now()).unwrap(),
            "2026-01-01T06:00:00Z".parse::<Timestamp>().unwrap()
        );
        for bad in ["", "2w", "h", "-1h", "yesterday"] {
            assert!(parse_since(bad, now()).is_err(), "{bad}");
        }
    }

    fn entry(time: &str, action: &str) -> AuditEntry {
        AuditEntry {
            time: time.into(),
            context: "prod".into(),
            user: "admin".into(),
            action: action.into(),
            objects: vec!["pod/default/x".into()],
            result: "ok".into(),
            kubectl: "kubectl --context prod delete pod x -n default".into(),
            record: Record::Mutation,
        }
    }

    #[test]
    fn events_are_marked_and_old_lines_read_as_mutations() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let e = AuditEntry::event(
            "prod",
            "admin",
            "reveal",
            vec!["secret/default/db".into()],
            "revealed secret default/db keys password",
            "kubectl --context prod -n default get secret db -o jsonpath={.data}",
        );
        append(&path, &e).unwrap();
        let old = serde_json::to_string(&entry("2026-01-02T09:00:00Z", "delete")).unwrap();
        assert!(
            !old.contains("record"),
            "mutations keep the old line shape: {old}"
        );
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(format!("{old}\n").as_bytes()))
            .unwrap();
        let back = read(&path, None).unwrap();
        assert_eq!(back[0].record, Record::Event);
        assert_eq!(back[1].record, Record::Mutation);
        assert!(format(&back[..1]).contains("event: reveal secret/default/db"));
    }

    #[test]
    fn entries_round_trip_and_filter_by_since() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/kockpit/audit.jsonl");
        let a = entry("2026-01-02T09:00:00Z", "delete");
        let b = entry("2026-01-02T11:00:00Z", "force delete");
        append(&path, &a).unwrap();
        append(&path, &b).unwrap();
        assert_eq!(read(&path, None).unwrap(), [a.clone(), b.clone()]);
        let since = parse_since("2h", now()).unwrap();
        assert_eq!(read(&path, Some(since)).unwrap(), std::slice::from_ref(&b));
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let shown = format(&[b]);
        assert!(shown.contains("force delete pod/default/x  ok"));
        assert!(shown.contains("$ kubectl --context prod delete pod x"));
    }

    #[test]
    fn a_missing_log_is_empty_and_a_bad_line_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        assert!(read(&path, None).unwrap().is_empty());
        std::fs::write(&path, "{}\n").unwrap();
        let err = read(&path, None).unwrap_err().to_string();
        assert!(err.contains("line 1"), "{err}");
    }
}
