//! Drawing the port-forwards view and dialog.

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::app::state::State;
use crate::ui::theme::Theme;

pub fn draw(_f: &mut Frame, _area: Rect, _state: &State, _theme: &Theme) {}
