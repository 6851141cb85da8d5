//! Port-forwards (issue #6): the forwards list, its keys, and the dialog that adds one. Pure:
//! listeners are started and stopped through `Cmd::Forward`, their states arrive as `Msg::Forward`.

use crossterm::event::KeyEvent;

use crate::app::keys::ForwardAction;

use super::layers::Handled;
use crate::cluster::forward::{ForwardSpec, Phase, Snapshot, Target};

use super::forward_dialog::{Dialog, Outcome};
use super::msg::Cmd;
use super::state::{Level, Screen, State};
use super::table::{self, RowRef};

/// One line of the forwards view: a saved bookmark or a forward started from the dialog.
#[derive(Debug, Clone, PartialEq)]
pub struct Forward {
    pub id: u64,
    pub spec: ForwardSpec,
    /// From the config file: stays in the list when stopped.
    pub bookmark: bool,
    pub run: Run,
    /// The last counters and state reported while it ran.
    pub snapshot: Option<Snapshot>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Run {
    Stopped,
    /// Asked to start; the listener is being bound and the target checked.
    Starting,
    Running,
    /// It could not start, or its listener closed: the sentence says why.
    Failed(String),
}

/// What the STATE column says, and how it should stand out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Dim,
    Ok,
    Active,
    Warn,
    Error,
}

impl Forward {
    pub fn state_text(&self) -> (String, Tone) {
        match (&self.run, self.snapshot.as_ref().map(|s| &s.phase)) {
            (Run::Stopped, _) => ("stopped".into(), Tone::Dim),
            (Run::Starting, _) => ("starting".into(), Tone::Warn),
            (Run::Failed(_), _) | (Run::Running, Some(Phase::Failed(_))) => {
                ("failed".into(), Tone::Error)
            }
            (Run::Running, Some(Phase::Waiting(_))) => ("reconnecting".into(), Tone::Warn),
            (Run::Running, _) => match self.snapshot.as_ref().map_or(0, |s| s.open) {
                0 => ("listening".into(), Tone::Ok),
                n => (format!("connected ({n})"), Tone::Active),
            },
        }
    }

    /// The sentence in the REASON column: why it failed or waits, else the last connection error.
    pub fn reason(&self) -> String {
        match (&self.run, self.snapshot.as_ref()) {
            (Run::Failed(why), _) => why.clone(),
            (Run::Running, Some(s)) => match &s.phase {
                Phase::Waiting(why) | Phase::Failed(why) => why.clone(),
                Phase::Listening => s
                    .pod
                    .as_ref()
                    .map(|p| format!("→ pod {p}"))
                    .unwrap_or_default(),
            },
            _ => String::new(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ForwardsState {
    pub list: Vec<Forward>,
    pub selected: usize,
    pub dialog: Option<Dialog>,
    /// Bookmark names to start when the cockpit opens (autoStart and `--forward NAME`).
    pub to_launch: Vec<String>,
    next_id: u64,
}

impl ForwardsState {
    /// Bookmarks from the config, stopped until started (`autostart` ones are started by `launch`).
    pub fn with_bookmarks(bookmarks: Vec<ForwardSpec>) -> Self {
        let mut s = ForwardsState::default();
        for spec in bookmarks {
            s.add(spec, true);
        }
        s
    }

    fn add(&mut self, spec: ForwardSpec, bookmark: bool) -> u64 {
        self.next_id += 1;
        self.list.push(Forward {
            id: self.next_id,
            spec,
            bookmark,
            run: Run::Stopped,
            snapshot: None,
        });
        self.next_id
    }

    fn get_mut(&mut self, id: u64) -> Option<&mut Forward> {
        self.list.iter_mut().find(|f| f.id == id)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ForwardMsg {
    /// The listener is bound on this address.
    Started { id: u64, local: String },
    /// It could not start (port in use, forbidden, …): a sentence.
    StartFailed { id: u64, why: String },
    /// Counters and state, at most a few times a second per forward.
    Report { id: u64, snapshot: Snapshot },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardCmd {
    Start { id: u64, spec: ForwardSpec },
    Stop { id: u64 },
}

pub fn update(state: &mut State, msg: ForwardMsg) -> Vec<Cmd> {
    state.dirty = true;
    match msg {
        ForwardMsg::Started { id, local } => {
            if let Some(f) = state.forwards.get_mut(id) {
                f.run = Run::Running;
                let what = format!("{} ({})", f.spec.target, f.spec.context);
                state.notice = Some((Level::Info, format!("forwarding {local} → {what}")));
            }
        }
        ForwardMsg::StartFailed { id, why } => {
            if let Some(f) = state.forwards.get_mut(id) {
                f.run = Run::Failed(why.clone());
                let name = f.spec.name.clone();
                state.notice = Some((Level::Error, format!("forward {name}: {why}")));
            }
        }
        ForwardMsg::Report { id, snapshot } => {
            if let Some(f) = state.forwards.get_mut(id) {
                if let Phase::Failed(why) = &snapshot.phase
                    && f.run == Run::Running
                {
                    f.run = Run::Failed(why.clone());
                    let name = f.spec.name.clone();
                    state.notice = Some((Level::Error, format!("forward {name}: {why}")));
                }
                if let Some(f) = state.forwards.get_mut(id) {
                    f.snapshot = Some(snapshot);
                }
            }
        }
    }
    vec![]
}

/// Commands for the forwards to start when the cockpit opens: autostart bookmarks and `--forward NAME`.
pub fn launch(state: &mut State) -> Vec<Cmd> {
    let names = std::mem::take(&mut state.forwards.to_launch);
    let ids: Vec<u64> = state
        .forwards
        .list
        .iter()
        .filter(|f| names.contains(&f.spec.name))
        .map(|f| f.id)
        .collect();
    ids.into_iter().filter_map(|id| start(state, id)).collect()
}

fn start(state: &mut State, id: u64) -> Option<Cmd> {
    let f = state.forwards.get_mut(id)?;
    f.run = Run::Starting;
    f.snapshot = None;
    Some(Cmd::Forward(ForwardCmd::Start {
        id,
        spec: f.spec.clone(),
    }))
}

/// Keys while the forwards screen is shown (Ctrl-C is handled before this).
pub fn on_key(state: &mut State, key: KeyEvent) -> Handled {
    if let Some(d) = state.forwards.dialog.as_mut() {
        return Handled::Consumed(match d.on_key(key) {
            Outcome::Editing => vec![],
            Outcome::Cancelled => {
                state.forwards.dialog = None;
                vec![]
            }
            Outcome::Submitted(spec) => {
                state.forwards.dialog = None;
                let id = state.forwards.add(spec, false);
                state.forwards.selected = state.forwards.list.len() - 1;
                start(state, id).into_iter().collect()
            }
        });
    }
    let Some(action) = state.keymap.forwards.action_for(&key) else {
        return Handled::Ignored;
    };
    let selected = state
        .forwards
        .list
        .get(state.forwards.selected)
        .map(|f| f.id);
    Handled::Consumed(match action {
        ForwardAction::Start => {
            let Some(id) = selected else {
                return Handled::Consumed(vec![]);
            };
            let mut cmds = vec![];
            if matches!(
                state.forwards.get_mut(id).map(|f| &f.run),
                Some(Run::Running | Run::Starting)
            ) {
                cmds.push(Cmd::Forward(ForwardCmd::Stop { id }));
            }
            cmds.extend(start(state, id));
            cmds
        }
        ForwardAction::Stop => stop(state, selected, false),
        ForwardAction::Remove => stop(state, selected, true),
    })
}

/// Moves the forwards list's selection (the list only changes when the operator changes it).
pub fn move_cursor(state: &mut State, delta: isize) {
    let max = state.forwards.list.len().saturating_sub(1) as isize;
    state.forwards.selected = (state.forwards.selected as isize)
        .saturating_add(delta)
        .clamp(0, max) as usize;
}

/// Stops the forward; `remove` also takes a dialog-made one off the list (bookmarks stay).
fn stop(state: &mut State, id: Option<u64>, remove: bool) -> Vec<Cmd> {
    let Some(id) = id else { return vec![] };
    let Some(f) = state.forwards.get_mut(id) else {
        return vec![];
    };
    f.run = Run::Stopped;
    if let Some(s) = f.snapshot.as_mut() {
        s.open = 0;
    }
    if remove && !f.bookmark {
        state.forwards.list.retain(|f| f.id != id);
        let len = state.forwards.list.len();
        state.forwards.selected = state.forwards.selected.min(len.saturating_sub(1));
    }
    vec![Cmd::Forward(ForwardCmd::Stop { id })]
}

/// The `port_forward` key on the selected pod or deployment: the dialog, over the forwards view.
pub fn open_dialog(state: &mut State) -> Vec<Cmd> {
    let picked = table::selected(state).and_then(|row| {
        let ctx = state.contexts.get(row.context())?.info.name.clone();
        match row {
            RowRef::Pod(_, p) => Some((
                ctx,
                p.namespace.clone(),
                Target::Pod(p.name.clone()),
                p.ports.clone(),
            )),
            RowRef::Deployment(_, d) => Some((
                ctx,
                d.namespace.clone(),
                Target::Deployment(d.name.clone()),
                d.ports.clone(),
            )),
            RowRef::Node(..) | RowRef::Generic(..) | RowRef::Type(..) => None,
        }
    });
    match picked {
        Some((ctx, ns, target, ports)) => {
            state.forwards.dialog = Some(Dialog::new(&ctx, &ns, target, &ports));
            state.screen = Screen::Forwards;
        }
        None => {
            state.notice = Some((
                Level::Info,
                "port-forward: select a pod or a deployment (or :pf NS/svc/NAME PORTS)".into(),
            ))
        }
    }
    vec![]
}

/// `:pf [CONTEXT/]NS/KIND/NAME [LOCAL:]REMOTE`: the dialog prefilled with these; without
/// arguments, the forwards view.
pub fn open_from_command(state: &mut State, args: &[String]) -> Vec<Cmd> {
    state.screen = Screen::Forwards;
    if args.is_empty() {
        return vec![];
    }
    match parse_command(args, state.focused().map(|c| c.name()).unwrap_or_default()) {
        Ok((ctx, ns, target, ports)) => {
            let mut d = Dialog::new(&ctx, &ns, target, &[]);
            d.ports = ports;
            state.forwards.dialog = Some(d);
        }
        Err(e) => state.notice = Some((Level::Error, e)),
    }
    vec![]
}

/// Pure: (context, namespace, target, ports text) from `:pf` arguments.
pub fn parse_command(
    args: &[String],
    focused: &str,
) -> Result<(String, String, Target, String), String> {
    const USAGE: &str = "usage: :pf [CONTEXT/]NAMESPACE/svc|deploy|pod/NAME [LOCAL:]REMOTE";
    let (path, ports) = match args {
        [path, ports] => (path, ports.clone()),
        [path] => (path, String::new()),
        _ => return Err(USAGE.into()),
    };
    let parts: Vec<&str> = path.split('/').collect();
    let (ctx, ns, kind, name) = match parts.as_slice() {
        [ns, kind, name] => (focused, *ns, *kind, *name),
        [ctx, ns, kind, name] => (*ctx, *ns, *kind, *name),
        _ => return Err(USAGE.into()),
    };
    let target = Target::parse(&format!("{kind}/{name}"))?;
    if ns.is_empty() || ctx.is_empty() {
        return Err(USAGE.into());
    }
    if !ports.is_empty() {
        crate::cluster::forward::spec::parse_ports(&ports)?;
    }
    Ok((ctx.into(), ns.into(), target, ports))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::forward::spec::LOOPBACK;
    use crossterm::event::KeyCode;
    use crossterm::event::KeyModifiers;

    fn spec(name: &str) -> ForwardSpec {
        ForwardSpec {
            name: name.into(),
            context: "prod".into(),
            namespace: "kubeapps".into(),
            target: Target::Service("kubeapps".into()),
            address: LOOPBACK,
            local_port: 8080,
            remote_port: 80,
        }
    }

    fn state() -> State {
        let mut s = State::new(
            vec![],
            vec![],
            crate::app::namespaces::Namespaces::all(),
            false,
            crate::app::keys::Keymap::default(),
        );
        s.forwards = ForwardsState::with_bookmarks(vec![spec("kubeapps"), spec("other")]);
        s.screen = Screen::Forwards;
        s
    }

    /// Keys go through every layer, as the cockpit sends them.
    fn on_key(s: &mut State, key: KeyEvent) -> Vec<Cmd> {
        crate::app::layers::on_key(s, key)
    }

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    fn snap(phase: Phase, open: u64) -> Snapshot {
        Snapshot {
            phase,
            open,
            total: open,
            bytes_in: 10,
            bytes_out: 5,
            pod: Some("kubeapps-1".into()),
            last_error: None,
        }
    }

    #[test]
    fn launch_starts_only_the_named_bookmarks() {
        let mut s = state();
        s.forwards.to_launch = vec!["kubeapps".into()];
        let cmds = launch(&mut s);
        assert_eq!(cmds.len(), 1);
        assert!(
            matches!(&cmds[0], Cmd::Forward(ForwardCmd::Start { spec, .. }) if spec.name == "kubeapps")
        );
        assert_eq!(s.forwards.list[0].run, Run::Starting);
        assert_eq!(s.forwards.list[1].run, Run::Stopped);
    }

    #[test]
    fn enter_starts_s_stops_and_reports_change_the_state_column() {
        let mut s = state();
        let cmds = on_key(&mut s, key(KeyCode::Enter));
        assert!(matches!(
            cmds.as_slice(),
            [Cmd::Forward(ForwardCmd::Start { id: 1, .. })]
        ));
        update(
            &mut s,
            ForwardMsg::Started {
                id: 1,
                local: "127.0.0.1:8080".into(),
            },
        );
        update(
            &mut s,
            ForwardMsg::Report {
                id: 1,
                snapshot: snap(Phase::Listening, 2),
            },
        );
        assert_eq!(
            s.forwards.list[0].state_text(),
            ("connected (2)".into(), Tone::Active)
        );
        update(
            &mut s,
            ForwardMsg::Report {
                id: 1,
                snapshot: snap(Phase::Waiting("no ready pod behind svc/kubeapps".into()), 0),
            },
        );
        assert_eq!(s.forwards.list[0].state_text().0, "reconnecting");
        assert!(s.forwards.list[0].reason().contains("no ready pod"));
        let cmds = on_key(&mut s, key(KeyCode::Char('s')));
        assert_eq!(cmds, vec![Cmd::Forward(ForwardCmd::Stop { id: 1 })]);
        assert_eq!(s.forwards.list[0].state_text().0, "stopped");
        // A bookmark stays listed after x.
        on_key(&mut s, key(KeyCode::Char('x')));
        assert_eq!(s.forwards.list.len(), 2);
    }

    #[test]
    fn start_failure_and_listener_failure_are_sentences_on_screen() {
        let mut s = state();
        on_key(&mut s, key(KeyCode::Enter));
        update(
            &mut s,
            ForwardMsg::StartFailed {
                id: 1,
                why: "local port 8080 on 127.0.0.1 is already in use".into(),
            },
        );
        assert_eq!(
            s.forwards.list[0].state_text(),
            ("failed".into(), Tone::Error)
        );
        assert!(s.notice.as_ref().unwrap().1.contains("already in use"));
        on_key(&mut s, key(KeyCode::Char('j')));
        on_key(&mut s, key(KeyCode::Enter));
        update(
            &mut s,
            ForwardMsg::Started {
                id: 2,
                local: "127.0.0.1:8080".into(),
            },
        );
        update(
            &mut s,
            ForwardMsg::Report {
                id: 2,
                snapshot: snap(Phase::Failed("pod kubeapps/p is gone".into()), 0),
            },
        );
        assert_eq!(s.forwards.list[1].state_text().0, "failed");
        assert!(s.forwards.list[1].reason().contains("is gone"));
    }

    #[test]
    fn colon_opens_the_command_line_on_the_forwards_screen() {
        let mut s = state();
        assert!(on_key(&mut s, key(KeyCode::Char(':'))).is_empty());
        assert_eq!(
            s.prompt,
            Some(super::super::state::Prompt::Command(String::new()))
        );
    }

    #[test]
    fn dialog_submission_adds_and_starts_a_forward() {
        let mut s = state();
        s.forwards.dialog = Some(Dialog::new(
            "prod",
            "kubeapps",
            Target::Pod("p".into()),
            &[8080],
        ));
        let cmds = on_key(&mut s, key(KeyCode::Enter));
        assert!(matches!(
            cmds.as_slice(),
            [Cmd::Forward(ForwardCmd::Start { id: 3, .. })]
        ));
        assert_eq!(s.forwards.list.len(), 3);
        assert!(s.forwards.dialog.is_none());
        on_key(&mut s, key(KeyCode::Char('x')));
        assert_eq!(
            s.forwards.list.len(),
            2,
            "x removes a forward that is not a bookmark"
        );
    }

    #[test]
    fn pf_command_takes_context_namespace_target_and_ports() {
        let args = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            parse_command(&args(&["kubeapps/svc/kubeapps", "8080:80"]), "prod"),
            Ok((
                "prod".into(),
                "kubeapps".into(),
                Target::Service("kubeapps".into()),
                "8080:80".into()
            ))
        );
        let (ctx, ..) = parse_command(&args(&["stg/kubeapps/deploy/kubeapps"]), "prod").unwrap();
        assert_eq!(ctx, "stg");
        assert!(
            parse_command(&args(&["kubeapps"]), "prod")
                .unwrap_err()
                .contains("usage")
        );
        assert!(parse_command(&args(&["ns/svc/x", "80:y"]), "prod").is_err());
    }
}
