//! The help screen and the hint lines, generated from the key table: every section's keys as
//! the active keymap binds them, the shown screen's section first. Nothing here names a key.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::app::keys::{
    Action, DialogAction, ForwardAction, Section, SectionAction, WizardAction, is_mutation,
};
use crate::app::state::{Screen, State};

use super::theme::Theme;

/// Actions this build of the cockpit carries out; the others are listed but say so.
fn available(action: Action) -> bool {
    !matches!(action, Action::Refresh)
}

fn key_line(
    keys: &[String],
    help: String,
    style: ratatui::style::Style,
    theme: &Theme,
) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{:>18}  ", keys.join(", ")), theme.help_key),
        Span::styled(help, style),
    ])
}

/// A section's keys under its title.
fn section_lines<A: SectionAction>(
    title: &str,
    section: &Section<A>,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled(title.to_string(), theme.dim)];
    for (action, keys) in section.bindings() {
        lines.push(key_line(
            &keys,
            action.help().to_string(),
            theme.help_text,
            theme,
        ));
    }
    lines.push(Line::raw(""));
    lines
}

fn table_lines(state: &State, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled(
        "Tables (and the keys every screen shares: moving, back, help, quit, contexts)",
        theme.dim,
    )];
    for (action, keys) in state.keymap.bindings() {
        if state.mutations_off() && is_mutation(action) {
            continue;
        }
        let (help, style) = if available(action) {
            (action.help().to_string(), theme.help_text)
        } else {
            (format!("{} (not available yet)", action.help()), theme.dim)
        };
        lines.push(key_line(&keys, help, style, theme));
    }
    lines.push(Line::raw(""));
    lines
}

/// Every section's lines, the shown screen's first so they are on screen when the help is long.
pub fn help_lines(state: &State, theme: &Theme) -> Vec<Line<'static>> {
    let km = &state.keymap;
    let mutations = !state.mutations_off();
    let mut sections: Vec<(Screen, Vec<Line<'static>>)> = vec![
        (Screen::Table, table_lines(state, theme)),
        (
            Screen::Table,
            section_lines(
                "Describe / YAML view (describe, yaml on a row)",
                &km.overlay,
                theme,
            ),
        ),
        (Screen::Logs, crate::ui::logs_view::help_lines(state, theme)),
        (
            Screen::Forwards,
            section_lines(
                "Port-forwards view (f; :pf, :forwards)",
                &km.forwards,
                theme,
            ),
        ),
    ];
    if mutations {
        sections.push((
            Screen::Drain,
            section_lines(
                "Drain wizard (drain on a node; :drain NODE… or :drain for every node the filter shows)",
                &km.wizard,
                theme,
            ),
        ));
        let mut dialog = section_lines(
            "Questions before a change, and results lists",
            &km.dialog,
            theme,
        );
        dialog.insert(
            1,
            Line::styled(
                "  Every change asks first and is written to the audit log (kockpit audit); on production contexts type the object's name (or the count) to confirm",
                theme.dim,
            ),
        );
        sections.push((Screen::Table, dialog));
    }
    if let Some(i) = sections.iter().position(|(s, _)| *s == state.screen) {
        let shown = sections.remove(i);
        sections.insert(0, shown);
    }
    let mut lines = vec![
        Line::styled(
            "Keys of the active keymap (esc closes; ctrl-c always quits)",
            theme.dim,
        ),
        Line::raw(""),
    ];
    for (_, s) in sections {
        lines.extend(s);
    }
    lines.push(Line::styled(
        "Commands: :pods :deploy :nodes :events :ctx [NAME] :ns [NAME|all] :help :q   (tab completes)",
        theme.dim,
    ));
    lines.push(Line::styled(
        "          :logs [-l SEL|POD] [-n NS] [--context a,b] [-c C] [-p] · :pf [CTX/]NS/svc|deploy|pod/NAME [LOCAL:]REMOTE · :forwards",
        theme.dim,
    ));
    if mutations {
        lines.push(Line::styled("          :drain [NODE…]", theme.dim));
    }
    lines
}

pub fn draw_help(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    f.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Span::styled(" Help ", theme.header));
    f.render_widget(
        Paragraph::new(help_lines(state, theme))
            .block(block)
            .style(theme.base),
        area,
    );
}

/// `key what` pairs joined for a bottom line.
fn join(parts: Vec<String>) -> String {
    parts.join(" · ")
}

fn table_hints(state: &State, actions: &[Action]) -> Vec<String> {
    state.keymap.table.hints(actions)
}

/// The drain wizard's bottom line.
pub fn wizard_hints(state: &State) -> String {
    let mut parts = state.keymap.wizard.hints(WizardAction::ALL);
    parts.extend(table_hints(state, &[Action::Back, Action::Help]));
    join(parts)
}

/// The forwards view's bottom line.
pub fn forwards_hints(state: &State) -> String {
    let mut parts = state.keymap.forwards.hints(ForwardAction::ALL);
    parts.push("CONNS open/total".into());
    parts.extend(table_hints(state, &[Action::Back, Action::Help]));
    join(parts)
}

/// The line under a question: how to answer it with the active keys.
pub fn confirm_hint(state: &State, typed: Option<&str>) -> String {
    let keys = |a: DialogAction| {
        state
            .keymap
            .dialog
            .bindings()
            .into_iter()
            .find(|(x, _)| *x == a)
            .map(|(_, k)| k)
            .unwrap_or_default()
    };
    // While a name is typed, letters are text: only the other keys answer.
    let usable = |a: DialogAction| -> String {
        let k: Vec<String> = keys(a)
            .into_iter()
            .filter(|k| typed.is_none() || k.chars().count() > 1)
            .collect();
        k.join(" or ")
    };
    match typed {
        Some(name) => format!(
            "Production: type {name} to confirm ({}), {} cancels",
            usable(DialogAction::Confirm),
            usable(DialogAction::Cancel)
        ),
        None => format!(
            "{} to confirm, {} to cancel",
            usable(DialogAction::Confirm),
            usable(DialogAction::Cancel)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::keys::Keymap;

    fn state() -> State {
        State::new(
            vec![],
            vec![],
            crate::app::namespaces::Namespaces::all(),
            false,
            Keymap::default(),
        )
    }

    #[test]
    fn confirm_hint_names_the_active_keys_and_only_non_letters_on_production() {
        let s = state();
        assert_eq!(
            confirm_hint(&s, None),
            "y or enter to confirm, n or esc to cancel"
        );
        assert_eq!(
            confirm_hint(&s, Some("node-1")),
            "Production: type node-1 to confirm (enter), esc cancels"
        );
    }

    #[test]
    fn wizard_hints_follow_the_keymap() {
        let mut s = state();
        assert!(
            wizard_hints(&s).starts_with("enter start the drain · e escalate"),
            "{}",
            wizard_hints(&s)
        );
        let text = crate::app::keys::SHIPPED[0]
            .1
            .replace("escalate: [\"e\"]", "escalate: [\"z\"]");
        s.keymap = crate::app::keys::parse(&text, "x").unwrap();
        assert!(
            wizard_hints(&s).contains("z escalate the selected pod"),
            "{}",
            wizard_hints(&s)
        );
    }
}
