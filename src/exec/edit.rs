//! Edit sessions, as `kubectl edit` runs them: the object fetched fresh, written as YAML (no
//! managedFields, a `#` header) to a 0600 file in a private 0700 directory, the terminal lent to
//! `$KUBE_EDITOR` / `$EDITOR` / `vi`, and what comes back judged: unchanged cancels, invalid
//! YAML or a refused save reopens the editor with the operator's text and the reason on top, a
//! valid change is reviewed in the cockpit before the replace carrying the edited
//! resourceVersion is sent. Applied edits are audited with their kubectl equivalent and the
//! changed paths. Nothing the operator typed is lost: a session that ends unsaved after a
//! reopen keeps the text in its file (a Secret's is discarded: it holds the values).

use std::collections::HashMap;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use tokio::sync::mpsc;

use crate::app::edit::{EditMsg, ObjectRef};
use crate::app::msg::Msg;
use crate::app::mutation::kubectl_edit;
use crate::app::state::Level;
use crate::cluster::objects;
use crate::recovery::audit::{self, AuditEntry};

use super::Executors;
use super::edit_file::{self, Problem};
use super::terminal::TerminalLender;

/// Live sessions by id: where each one's review answer goes.
#[derive(Default)]
pub struct Sessions {
    next: u64,
    answers: HashMap<u64, mpsc::UnboundedSender<bool>>,
}

/// The operator's answer to a session's review.
pub fn answer(exec: &mut Executors, id: u64, apply: bool) {
    if let Some(tx) = exec.edits.answers.get(&id) {
        let _ = tx.send(apply);
    }
}

/// Starts an edit session on `object` as a task of its own.
pub fn start(exec: &mut Executors, object: ObjectRef) {
    let Some(client) = exec.clients.get(&object.context).cloned() else {
        let _ = exec.results.send(Msg::Edit(EditMsg::Notice {
            level: Level::Error,
            text: format!("context {} is not live: nothing to edit", object.context),
        }));
        return;
    };
    exec.edits.answers.retain(|_, tx| !tx.is_closed());
    exec.edits.next += 1;
    let id = exec.edits.next;
    let (tx, answers) = mpsc::unbounded_channel();
    exec.edits.answers.insert(id, tx);
    let session = Session {
        id,
        user: exec.user(&object.context),
        object,
        client,
        audit_path: exec.audit_path.clone(),
        lender: exec.lender.clone(),
        results: exec.results.clone(),
        answers,
    };
    tokio::spawn(async move {
        let results = session.results.clone();
        let (level, text) = session.run().await;
        let _ = results.send(Msg::Edit(EditMsg::Notice { level, text }));
    });
}

struct Session {
    id: u64,
    object: ObjectRef,
    user: String,
    client: kube::Client,
    audit_path: Option<PathBuf>,
    lender: TerminalLender,
    results: mpsc::UnboundedSender<Msg>,
    answers: mpsc::UnboundedReceiver<bool>,
}

impl Session {
    fn notice(&self, level: Level, text: String) {
        let _ = self
            .results
            .send(Msg::Edit(EditMsg::Notice { level, text }));
    }

    /// The whole session; the sentence it ends with.
    async fn run(mut self) -> (Level, String) {
        let o = self.object.clone();
        let shown = o.shown();
        let mut original = match objects::get(&self.client, &o.kind, &o.namespace, &o.name).await {
            Ok(v) => v,
            Err(e) => return (Level::Error, format!("cannot edit {shown}: {e}")),
        };
        let secret = objects::is_secret(&o.kind);
        let dir = match PrivateDir::create() {
            Ok(d) => d,
            Err(e) => {
                return (
                    Level::Error,
                    format!("cannot edit {shown}: no private temporary directory: {e}"),
                );
            }
        };
        let file = dir.path.join(edit_file::file_name(&o.kind.kind, &o.name));
        let mut body = match objects::to_yaml(&original) {
            Ok(y) => y,
            Err(e) => return (Level::Error, format!("cannot edit {shown}: {e}")),
        };
        let mut problem: Option<Problem> = None;
        loop {
            let given = edit_file::compose(&o, secret, problem.as_ref(), &body);
            if let Err(e) = write_private(&file, &given) {
                return (Level::Error, format!("cannot edit {shown}: {e}"));
            }
            let editor = edit_file::editor();
            match self.lender.run(edit_file::command(&editor, &file)).await {
                Err(e) => {
                    let why = format!(
                        "the editor ({}) could not be started: {e}",
                        editor.join(" ")
                    );
                    let keep = problem.is_some();
                    return self.end(dir, &file, secret, keep, problem.as_ref(), &why);
                }
                Ok(status) if !status.success() => {
                    let why = format!("the editor exited with {status}; nothing was sent");
                    let keep = problem.is_some();
                    return self.end(dir, &file, secret, keep, problem.as_ref(), &why);
                }
                Ok(_) => {}
            }
            let edited = match std::fs::read_to_string(&file) {
                Ok(t) => t,
                Err(e) => return (Level::Error, format!("cannot read the edited file: {e}")),
            };
            let stripped = edit_file::strip_comments(&edited);
            if stripped.trim().is_empty() {
                return (Level::Info, "Edit cancelled, saved file was empty.".into());
            }
            if stripped == edit_file::strip_comments(&given) {
                if problem.is_none() {
                    return (Level::Info, "Edit cancelled, no changes made.".into());
                }
                let why = "you left the editor without changing the text";
                return self.end(dir, &file, secret, true, problem.as_ref(), why);
            }
            let operator_text = edit_file::without_header(&edited);
            let value = match edit_file::parse(&edited, &o) {
                Ok(v) => v,
                Err(p) => {
                    problem = Some(p);
                    body = operator_text;
                    continue;
                }
            };
            let changes = objects::changes(&original, &value, secret);
            if changes.is_empty() {
                if problem.is_none() {
                    return (Level::Info, "Edit cancelled, no changes made.".into());
                }
                let why = "your text no longer changes anything";
                return self.end(dir, &file, secret, true, problem.as_ref(), why);
            }
            let _ = self.results.send(Msg::Edit(EditMsg::Review {
                id: self.id,
                object: Box::new(o.clone()),
                changes,
            }));
            if !self.answers.recv().await.unwrap_or(false) {
                let why = "you did not confirm the change";
                return self.end(dir, &file, secret, true, problem.as_ref(), why);
            }
            let paths = objects::changed_paths(&original, &value);
            let sent = objects::replace(&self.client, &o.kind, &o.namespace, &o.name, value).await;
            let audit_failure = self.audit(&paths, sent.as_ref().err());
            match sent {
                Ok(()) => {
                    let mut text = format!(
                        "edited {shown}: {} field{} changed (audited)",
                        paths.len(),
                        if paths.len() == 1 { "" } else { "s" }
                    );
                    let mut level = Level::Info;
                    if let Some(f) = audit_failure {
                        text.push_str(&format!("; but {f}"));
                        level = Level::Error;
                    }
                    return (level, text);
                }
                Err(e) if api_code(&e) == Some(409) => {
                    let latest = objects::get(&self.client, &o.kind, &o.namespace, &o.name).await;
                    let (theirs, now_at) = match &latest {
                        Ok(l) => (
                            objects::changed_paths(&original, l),
                            l["metadata"]["resourceVersion"]
                                .as_str()
                                .map(str::to_string),
                        ),
                        Err(_) => (Vec::new(), None),
                    };
                    if let Ok(l) = latest {
                        original = l;
                    }
                    self.notice(
                        Level::Warn,
                        format!("{shown} was changed by someone else since you opened it: nothing was sent; the editor reopens with your text"),
                    );
                    problem = Some(Problem::Conflict { theirs, now_at });
                }
                Err(e) => {
                    self.notice(
                        Level::Warn,
                        format!(
                            "the API refused the edit of {shown}; the editor reopens with your text"
                        ),
                    );
                    problem = Some(Problem::Refused(e.to_string()));
                }
            }
            body = operator_text;
        }
    }

    /// Ends a session whose text was not sent. The operator's text is kept in its file when
    /// `keep` (a Secret's is discarded: it holds the values); `problem` is the last reason the
    /// editor reopened, which the sentence repeats.
    fn end(
        &self,
        dir: PrivateDir,
        file: &Path,
        secret: bool,
        keep: bool,
        problem: Option<&Problem>,
        why: &str,
    ) -> (Level, String) {
        let shown = self.object.shown();
        if !keep {
            return (Level::Info, format!("Edit of {shown} cancelled: {why}."));
        }
        let what = match problem {
            Some(p) => format!("not applied after {}", p.summary()),
            None => format!("not applied ({why})"),
        };
        if secret {
            return (
                Level::Warn,
                format!("{shown}: {what}; the text was discarded (it holds the Secret's values)"),
            );
        }
        dir.keep();
        (
            Level::Warn,
            format!("{shown}: {what}; text kept in {}", file.display()),
        )
    }

    /// Appends the attempt to the audit log; the failure sentence if it could not be written.
    fn audit(&self, paths: &[String], error: Option<&kube::Error>) -> Option<String> {
        let o = &self.object;
        let result = match error {
            None => format!("applied; changed {}", paths.join(", ")),
            Some(e) => format!("failed: {e}; would have changed {}", paths.join(", ")),
        };
        let what = if o.namespace.is_empty() {
            format!("{}/{}", o.kind.kind.to_lowercase(), o.name)
        } else {
            format!("{}/{}/{}", o.kind.kind.to_lowercase(), o.namespace, o.name)
        };
        let entry = AuditEntry::new(
            &o.context,
            &self.user,
            "edit",
            vec![what],
            &result,
            &kubectl_edit(o),
        );
        let path = match &self.audit_path {
            Some(p) => p,
            None => {
                return Some(
                    "the audit log was not written: no state directory (HOME unset?)".into(),
                );
            }
        };
        audit::append(path, &entry)
            .err()
            .map(|e| format!("the audit log {} was not written: {e}", path.display()))
    }
}

fn api_code(e: &kube::Error) -> Option<u16> {
    match e {
        kube::Error::Api(s) => Some(s.code),
        _ => None,
    }
}

/// A directory only this user can enter, removed with everything in it unless kept.
struct PrivateDir {
    path: PathBuf,
    keep: bool,
}

impl PrivateDir {
    fn create() -> io::Result<PrivateDir> {
        use std::os::unix::fs::DirBuilderExt;
        let base = std::env::temp_dir();
        for _ in 0..16 {
            let path = base.join(format!("kockpit-edit-{:016x}", rand::random::<u64>()));
            match std::fs::DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => return Ok(PrivateDir { path, keep: false }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::other("no free name for it"))
    }

    fn keep(mut self) {
        self.keep = true;
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// Writes `text` to `path`, readable and writable by this user only.
fn write_private(path: &Path, text: &str) -> io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    // An editor may have replaced the file with one of its own making.
    f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    f.write_all(text.as_bytes())
}
