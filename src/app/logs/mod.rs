//! Log panes (issue #5): pane layout, bounded buffers, follow/pause, search, filter. Pure:
//! streams are started and stopped through `Cmd::Logs`, lines arrive as `Msg::Logs`.

pub mod buffer;
pub mod layout;
pub mod pane;
pub mod request;

use std::collections::BTreeMap;
use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::keys::LogAction;
use crate::cluster::logs::{TailEvent, TailSpec, Target};

use super::layers::Handled;
use super::msg::Cmd;
use super::state::{Level, Screen, State};
use layout::{Layout, Split};
use pane::{LogPane, PodState};
use request::LogRequest;

/// Lines a pane keeps unless the config says otherwise (`logBufferLines`).
pub const DEFAULT_BUFFER_LINES: usize = 50_000;
/// Lines a page key moves (the pane's height is the view's business).
const PAGE: isize = 20;

/// A line being typed on the log screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogInput {
    Search(String),
    Filter(String),
    /// Where to save the focused pane.
    SavePath(String),
    /// What a new pane follows (`:logs` arguments), and where it goes.
    NewPane(Split, String),
}

impl LogInput {
    pub fn text(&self) -> &str {
        match self {
            LogInput::Search(t)
            | LogInput::Filter(t)
            | LogInput::SavePath(t)
            | LogInput::NewPane(_, t) => t,
        }
    }

    fn text_mut(&mut self) -> &mut String {
        match self {
            LogInput::Search(t)
            | LogInput::Filter(t)
            | LogInput::SavePath(t)
            | LogInput::NewPane(_, t) => t,
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            LogInput::Search(_) => "search: ",
            LogInput::Filter(_) => "show only lines containing: ",
            LogInput::SavePath(_) => "save to: ",
            LogInput::NewPane(..) => "new pane, logs ",
        }
    }
}

/// Every open log pane and the layout they share.
#[derive(Debug, Clone)]
pub struct LogsState {
    pub panes: BTreeMap<u64, LogPane>,
    pub layout: Option<Layout>,
    pub focus: u64,
    pub zoomed: bool,
    pub input: Option<LogInput>,
    /// Lines per pane (`logBufferLines` in config.yaml).
    pub cap: usize,
    /// `:logs` argument lists to open when the cockpit starts (`kockpit logs …`).
    pub startup: Vec<Vec<String>>,
    /// Where ctrl-s proposes to save a pane (the edge sets it; the core reads no environment).
    pub save_dir: PathBuf,
    next_id: u64,
}

impl Default for LogsState {
    fn default() -> Self {
        LogsState {
            panes: BTreeMap::new(),
            layout: None,
            focus: 0,
            zoomed: false,
            input: None,
            save_dir: PathBuf::new(),
            cap: DEFAULT_BUFFER_LINES,
            startup: Vec::new(),
            next_id: 1,
        }
    }
}

impl LogsState {
    pub fn focused(&self) -> Option<&LogPane> {
        self.panes.get(&self.focus)
    }

    fn focused_mut(&mut self) -> Option<&mut LogPane> {
        self.panes.get_mut(&self.focus)
    }

    /// Panes in layout order.
    pub fn order(&self) -> Vec<u64> {
        self.layout.as_ref().map(Layout::panes).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum LogMsg {
    /// Something from pane `pane`'s tail number `generation`.
    Tail {
        pane: u64,
        generation: u64,
        event: TailEvent,
    },
    /// A save finished: lines written, or why not.
    Saved {
        path: PathBuf,
        result: Result<usize, String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogCmd {
    /// Start (or restart: the pane's previous tail stops) pane `pane`'s tail.
    Start {
        pane: u64,
        generation: u64,
        context: String,
        spec: TailSpec,
    },
    Stop {
        pane: u64,
    },
    Save {
        path: PathBuf,
        text: String,
    },
}

pub fn update(state: &mut State, msg: LogMsg) -> Vec<Cmd> {
    match msg {
        LogMsg::Tail {
            pane,
            generation,
            event,
        } => {
            let Some(p) = state.logs.panes.get_mut(&pane) else {
                return vec![];
            };
            if p.generation != generation {
                return vec![];
            }
            apply(p, event);
            if state.screen == Screen::Logs {
                state.dirty = true;
            }
        }
        LogMsg::Saved { path, result } => {
            state.notice = Some(match result {
                Ok(n) => (
                    Level::Info,
                    format!("saved {n} lines to {}", path.display()),
                ),
                Err(e) => (
                    Level::Error,
                    format!("could not save to {}: {e}", path.display()),
                ),
            });
            state.dirty = true;
        }
    }
    vec![]
}

fn apply(p: &mut LogPane, event: TailEvent) {
    match event {
        TailEvent::Lines(lines) => p.push(lines),
        TailEvent::Joined { pod, container } => {
            let rejoin = p.streams.contains_key(&(pod.clone(), container.clone()));
            p.streams
                .insert((pod.clone(), container.clone()), PodState::Streaming);
            let what = if rejoin { "restarted" } else { "joined" };
            p.mark(&pod, format!("── {pod}/{container} {what} ──"));
        }
        TailEvent::Ended { pod, container } => {
            p.streams
                .insert((pod.clone(), container.clone()), PodState::Ended);
            if !p.spec.previous {
                p.mark(&pod, format!("── {pod}/{container} stream ended ──"));
            }
        }
        TailEvent::Gone { pod } => {
            for ((sp, _), s) in p.streams.iter_mut() {
                if *sp == pod {
                    *s = PodState::Gone;
                }
            }
            p.mark(&pod, format!("── pod {pod} gone ──"));
        }
        TailEvent::Problem(text) => p.problem = Some(text),
    }
}

/// Opens one pane per requested context, splitting the focused pane (`dir`, or alternating).
fn open(state: &mut State, req: LogRequest, dir: Option<Split>) -> Vec<Cmd> {
    let default_ns = state.namespaces.single().unwrap_or("default").to_string();
    let contexts = if req.contexts.is_empty() {
        match state.focused() {
            Some(c) => vec![c.name().to_string()],
            None => {
                state.notice = Some((Level::Error, "logs: no live context".into()));
                return vec![];
            }
        }
    } else {
        req.contexts.clone()
    };
    let mut cmds = Vec::new();
    for context in contexts {
        if state.context_index(&context).is_none() {
            if !state.known_contexts.contains(&context) {
                state.notice = Some((
                    Level::Error,
                    format!("logs: no context named {context} in the kubeconfig"),
                ));
                continue;
            }
            cmds.push(Cmd::OpenContext(context.clone()));
        }
        let (since_seconds, tail_lines) = pane::Since::Tail.params();
        let spec = TailSpec {
            target: req.target(&default_ns),
            container: req.container.clone(),
            since_seconds,
            tail_lines,
            previous: req.previous,
        };
        let id = state.logs.next_id;
        state.logs.next_id += 1;
        let pane = LogPane::new(id, context.clone(), spec.clone(), state.logs.cap);
        state.logs.panes.insert(id, pane);
        let focus = state.logs.focus;
        match state.logs.layout.as_mut() {
            Some(l) => {
                let dir = dir.unwrap_or(match l.depth(focus) {
                    Some(d) if d % 2 == 1 => Split::Vertical,
                    _ => Split::Horizontal,
                });
                if !l.split(focus, dir, id) {
                    let first = l.panes()[0];
                    l.split(first, dir, id);
                }
            }
            None => state.logs.layout = Some(Layout::Pane(id)),
        }
        state.logs.focus = id;
        state.logs.zoomed = false;
        cmds.push(Cmd::Logs(LogCmd::Start {
            pane: id,
            generation: 0,
            context,
            spec,
        }));
    }
    if !state.logs.panes.is_empty() {
        state.screen = Screen::Logs;
    }
    state.dirty = true;
    cmds
}

/// `:logs ARGS` typed in command mode; `:logs` alone goes back to the open panes.
pub fn open_from_command(state: &mut State, args: &[String]) -> Vec<Cmd> {
    if args.is_empty() && !state.logs.panes.is_empty() {
        state.screen = Screen::Logs;
        return vec![];
    }
    match request::parse(args) {
        Ok(req) => open(state, req, None),
        Err(e) => {
            state.notice = Some((Level::Error, e));
            vec![]
        }
    }
}

/// The panes `kockpit logs …` asked for, once the contexts are live.
pub fn startup(state: &mut State) -> Vec<Cmd> {
    let lists = std::mem::take(&mut state.logs.startup);
    lists
        .iter()
        .flat_map(|args| open_from_command(state, args))
        .collect()
}

/// The `logs` key on the selected pod (that pod) or deployment (its selector).
pub fn open_for_selection(state: &mut State) -> Vec<Cmd> {
    let Some(row) = super::table::selected(state) else {
        if !state.logs.panes.is_empty() {
            state.screen = Screen::Logs;
        }
        return vec![];
    };
    let context = state.contexts[row.context()].name().to_string();
    let req = match row {
        super::table::RowRef::Pod(_, p) => Some(LogRequest {
            pod: Some(p.name.clone()),
            selector: None,
            namespace: Some(p.namespace.clone()),
            contexts: vec![context],
            container: None,
            previous: false,
        }),
        super::table::RowRef::Deployment(_, d) if !d.selector.is_empty() => Some(LogRequest {
            pod: None,
            selector: Some(
                d.selector
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            namespace: Some(d.namespace.clone()),
            contexts: vec![context],
            container: None,
            previous: false,
        }),
        _ => None,
    };
    match req {
        Some(r) => open(state, r, None),
        None => {
            state.notice = Some((
                Level::Info,
                "logs: select a pod or a deployment (or type :logs -l SELECTOR)".into(),
            ));
            vec![]
        }
    }
}

/// `:logs` arguments that reopen what a pane follows (prefills the new-pane prompt).
fn args_of(p: &LogPane) -> String {
    let mut s = match &p.spec.target {
        Target::Pod { name, .. } => name.clone(),
        Target::Selector { selector, .. } => format!("-l {selector}"),
    };
    s.push_str(&format!(
        " -n {} --context {}",
        p.spec.target.namespace(),
        p.context
    ));
    s
}

/// Keys while the logs screen is shown (Ctrl-C is handled before this).
pub fn on_key(state: &mut State, key: KeyEvent) -> Handled {
    if state.logs.input.is_some() {
        return Handled::Consumed(on_input_key(state, key));
    }
    match state.keymap.logs.action_for(&key) {
        Some(action) => Handled::Consumed(on_action(state, action)),
        None => Handled::Ignored,
    }
}

fn on_action(state: &mut State, action: LogAction) -> Vec<Cmd> {
    let logs = &mut state.logs;
    match action {
        LogAction::Back => state.screen = Screen::Table,
        LogAction::FocusNext | LogAction::FocusPrev => {
            let order = logs.order();
            if let Some(i) = order.iter().position(|id| *id == logs.focus) {
                let n = order.len();
                let j = if action == LogAction::FocusNext {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                logs.focus = order[j];
            }
        }
        LogAction::Zoom => logs.zoomed = !logs.zoomed,
        LogAction::Grow | LogAction::Shrink => {
            let delta = if action == LogAction::Grow { 5 } else { -5 };
            let focus = logs.focus;
            if let Some(l) = logs.layout.as_mut() {
                l.resize(focus, delta);
            }
        }
        LogAction::Close => return close(state),
        LogAction::SplitSide | LogAction::SplitStacked => {
            let dir = if action == LogAction::SplitSide {
                Split::Horizontal
            } else {
                Split::Vertical
            };
            let text = logs.focused().map(args_of).unwrap_or_default();
            logs.input = Some(LogInput::NewPane(dir, text));
        }
        LogAction::Search => {
            let q = logs
                .focused()
                .and_then(|p| p.search.clone())
                .unwrap_or_default();
            logs.input = Some(LogInput::Search(q));
        }
        LogAction::Filter => {
            let f = logs
                .focused()
                .and_then(|p| p.filter.clone())
                .unwrap_or_default();
            logs.input = Some(LogInput::Filter(f));
        }
        LogAction::Save => {
            if let Some(p) = logs.focused() {
                let stamp = state.now.strftime("%Y%m%dT%H%M%S");
                let path = logs
                    .save_dir
                    .join(format!("kockpit-{}-{stamp}.log", p.file_stem()));
                logs.input = Some(LogInput::SavePath(path.display().to_string()));
            }
        }
        _ => {
            let Some(p) = logs.focused_mut() else {
                return vec![];
            };
            match action {
                LogAction::TogglePause => p.toggle_pause(),
                LogAction::ScrollUp => p.scroll_by(1),
                LogAction::ScrollDown => p.scroll_by(-1),
                LogAction::PageUp => p.scroll_by(PAGE),
                LogAction::PageDown => p.scroll_by(-PAGE),
                LogAction::End => p.follow(),
                LogAction::NextMatch => p.next_match(true),
                LogAction::PrevMatch => p.next_match(false),
                LogAction::Wrap => p.wrap = !p.wrap,
                LogAction::Timestamps => p.timestamps = !p.timestamps,
                LogAction::Since | LogAction::Previous => {
                    if action == LogAction::Since {
                        p.since = p.since.next();
                    } else {
                        p.spec.previous = !p.spec.previous;
                    }
                    let spec = p.restart();
                    return vec![Cmd::Logs(LogCmd::Start {
                        pane: p.id,
                        generation: p.generation,
                        context: p.context.clone(),
                        spec,
                    })];
                }
                _ => {}
            }
        }
    }
    vec![]
}

fn close(state: &mut State) -> Vec<Cmd> {
    let logs = &mut state.logs;
    let id = logs.focus;
    if logs.panes.remove(&id).is_none() {
        return vec![];
    }
    let order = logs.order();
    let i = order.iter().position(|p| *p == id).unwrap_or(0);
    logs.layout = logs.layout.take().and_then(|l| l.close(id));
    let rest = logs.order();
    logs.focus = rest
        .get(i.min(rest.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0);
    logs.zoomed = false;
    if logs.panes.is_empty() {
        state.screen = Screen::Table;
    }
    vec![Cmd::Logs(LogCmd::Stop { pane: id })]
}

fn on_input_key(state: &mut State, key: KeyEvent) -> Vec<Cmd> {
    let Some(input) = state.logs.input.as_mut() else {
        return vec![];
    };
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Esc => {
            let input = state.logs.input.take();
            if let Some(p) = state.logs.focused_mut() {
                match input {
                    Some(LogInput::Filter(_)) => p.set_filter(""),
                    Some(LogInput::Search(_)) => p.search(""),
                    _ => {}
                }
            }
            return vec![];
        }
        KeyCode::Enter => {
            let input = state.logs.input.take().expect("input is open");
            return submit(state, input);
        }
        KeyCode::Backspace => {
            input.text_mut().pop();
        }
        KeyCode::Char('u') if ctrl => input.text_mut().clear(),
        KeyCode::Char(c) if !ctrl => input.text_mut().push(c),
        _ => return vec![],
    }
    // The filter applies as it is typed.
    if let Some(LogInput::Filter(t)) = &state.logs.input {
        let t = t.clone();
        if let Some(p) = state.logs.focused_mut() {
            p.set_filter(&t);
        }
    }
    vec![]
}

fn submit(state: &mut State, input: LogInput) -> Vec<Cmd> {
    match input {
        LogInput::Search(q) => {
            if let Some(p) = state.logs.focused_mut() {
                p.search(&q);
                if !q.is_empty() && p.current_match.is_none() {
                    state.notice = Some((Level::Info, format!("no line matches '{q}'")));
                }
            }
            vec![]
        }
        LogInput::Filter(f) => {
            if let Some(p) = state.logs.focused_mut() {
                p.set_filter(&f);
            }
            vec![]
        }
        LogInput::SavePath(path) => {
            let Some(p) = state.logs.focused() else {
                return vec![];
            };
            let text = pane::saved_text(p);
            vec![Cmd::Logs(LogCmd::Save {
                path: PathBuf::from(path.trim()),
                text,
            })]
        }
        LogInput::NewPane(dir, args) => {
            let words: Vec<String> = args.split_whitespace().map(str::to_string).collect();
            match request::parse(&words) {
                Ok(req) => open(state, req, Some(dir)),
                Err(e) => {
                    state.notice = Some((Level::Error, e));
                    vec![]
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
