//! Colour themes: every style the cockpit draws with, loaded from a YAML file.
//!
//! A theme file names styles; each has optional `fg`, `bg` and `modifiers`:
//! ```yaml
//! header: { fg: white, bg: "#005f87", modifiers: [bold] }
//! context_tags:
//!   - { fg: black, bg: 39 }
//! ```
//! Colours are one of the 16 ANSI names (`red`, `lightred`, `darkgray`, …; `-`/`_` and `grey`
//! are accepted), `#rrggbb`, or a 0–255 palette index; `reset` means the terminal's own colour.
//! A style missing from a file is taken from the default theme, so a user theme can change
//! just a few things. Unknown keys, colours and modifiers are errors naming the line.

use std::collections::BTreeMap;
use std::path::Path;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::settings::error::did_you_mean;
pub use crate::settings::error::{ConfigError, ConfigKind};
use crate::settings::files::locate;

/// Themes compiled into the binary, by the name the operator uses.
pub const SHIPPED: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.yaml")),
    ("light", include_str!("../../themes/light.yaml")),
    ("mono16", include_str!("../../themes/mono16.yaml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.yaml"),
    ),
];

/// Every style the cockpit draws with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    /// Text and background of the whole screen.
    pub base: Style,
    /// The top bar: context, cluster, namespace.
    pub header: Style,
    pub table_header: Style,
    pub selected_row: Style,
    /// Running, Ready, Completed.
    pub status_ok: Style,
    /// Pending, Terminating, SchedulingDisabled, a PDB with no disruptions left.
    pub status_warn: Style,
    /// CrashLoopBackOff, Failed, NotReady, Forbidden.
    pub status_error: Style,
    /// Secondary text: ages, skipped pods, hints.
    pub dim: Style,
    /// The banner over a production context; must be impossible to miss.
    pub production_banner: Style,
    /// Colours that tell contexts apart in merged tables; the n-th live context gets the
    /// n-th tag (wrapping around). Never empty.
    pub context_tags: Vec<Style>,
    pub border: Style,
    pub border_focused: Style,
    /// The `:` command and `/` filter line.
    pub command_line: Style,
    pub help_key: Style,
    pub help_text: Style,
    pub log_timestamp: Style,
    pub search_match: Style,
}

impl Theme {
    /// The tag style for the `index`-th live context.
    pub fn context_tag(&self, index: usize) -> Style {
        self.context_tags[index % self.context_tags.len()]
    }

    fn styles(&self) -> impl Iterator<Item = &Style> {
        [
            &self.base,
            &self.header,
            &self.table_header,
            &self.selected_row,
            &self.status_ok,
            &self.status_warn,
            &self.status_error,
            &self.dim,
            &self.production_banner,
            &self.border,
            &self.border_focused,
            &self.command_line,
            &self.help_key,
            &self.help_text,
            &self.log_timestamp,
            &self.search_match,
        ]
        .into_iter()
        .chain(self.context_tags.iter())
    }

    /// Every colour the theme sets, foreground and background.
    pub fn colours(&self) -> impl Iterator<Item = Color> + '_ {
        self.styles().flat_map(|s| s.fg.into_iter().chain(s.bg))
    }
}

impl Default for Theme {
    /// The shipped `default` theme (256-colour, dark).
    fn default() -> Self {
        static DEFAULT: std::sync::LazyLock<Theme> =
            std::sync::LazyLock::new(|| parse_shipped("default"));
        DEFAULT.clone()
    }
}

/// Loads a theme by name (`user_dir/NAME.yaml` first, then the shipped one) or by path (a value
/// containing `/` or ending in `.yaml`); `None` means `default`. Never fails: a missing or broken
/// file gives the default theme and the error to show the operator.
pub fn load(name_or_path: Option<&str>, user_dir: Option<&Path>) -> (Theme, Option<ConfigError>) {
    let name = name_or_path.unwrap_or("default");
    let result = locate(ConfigKind::Theme, name, user_dir, SHIPPED)
        .and_then(|source| parse(&source.text, &source.file, &Theme::default()));
    match result {
        Ok(theme) => (theme, None),
        Err(e) => (Theme::default(), Some(e)),
    }
}

/// Like [`load`], but gives [`no_color`] when the `NO_COLOR` environment variable is set and
/// non-empty (<https://no-color.org>); a chosen theme is then not even read.
pub fn load_for_terminal(
    name_or_path: Option<&str>,
    user_dir: Option<&Path>,
) -> (Theme, Option<ConfigError>) {
    if no_color_requested(std::env::var_os("NO_COLOR").as_deref()) {
        (no_color(), None)
    } else {
        load(name_or_path, user_dir)
    }
}

/// Whether a `NO_COLOR` value asks for no colour: set and non-empty.
pub fn no_color_requested(value: Option<&std::ffi::OsStr>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

/// A theme with no colours at all, only bold / reversed / dim / underline, for `NO_COLOR`.
pub fn no_color() -> Theme {
    let plain = Style::new();
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let reversed = Style::new().add_modifier(Modifier::REVERSED);
    Theme {
        base: plain,
        header: reversed,
        table_header: bold.add_modifier(Modifier::UNDERLINED),
        selected_row: reversed,
        status_ok: plain,
        status_warn: bold,
        status_error: bold.add_modifier(Modifier::REVERSED),
        dim: Style::new().add_modifier(Modifier::DIM),
        production_banner: bold.add_modifier(Modifier::REVERSED),
        context_tags: vec![bold, Style::new().add_modifier(Modifier::UNDERLINED)],
        border: plain,
        border_focused: bold,
        command_line: bold,
        help_key: bold,
        help_text: plain,
        log_timestamp: Style::new().add_modifier(Modifier::DIM),
        search_match: reversed,
    }
}

fn parse_shipped(name: &str) -> Theme {
    let (_, text) = SHIPPED
        .iter()
        .find(|(n, _)| *n == name)
        .expect("shipped theme exists");
    parse(text, &format!("{name} (built-in)"), &no_color())
        .unwrap_or_else(|e| panic!("shipped theme is broken: {e}"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    base: Option<StyleSpec>,
    header: Option<StyleSpec>,
    table_header: Option<StyleSpec>,
    selected_row: Option<StyleSpec>,
    status_ok: Option<StyleSpec>,
    status_warn: Option<StyleSpec>,
    status_error: Option<StyleSpec>,
    dim: Option<StyleSpec>,
    production_banner: Option<StyleSpec>,
    context_tags: Option<Spanned<Vec<StyleSpec>>>,
    border: Option<StyleSpec>,
    border_focused: Option<StyleSpec>,
    command_line: Option<StyleSpec>,
    help_key: Option<StyleSpec>,
    help_text: Option<StyleSpec>,
    log_timestamp: Option<StyleSpec>,
    search_match: Option<StyleSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<Spanned<String>>,
    bg: Option<Spanned<String>>,
    #[serde(default)]
    modifiers: Vec<Spanned<String>>,
}

/// Parses theme YAML; styles the file leaves out are taken from `base`.
pub fn parse(text: &str, file: &str, base: &Theme) -> Result<Theme, ConfigError> {
    let spec: ThemeFile = serde_saphyr::from_str(text)
        .map_err(|e| ConfigError::from_yaml(ConfigKind::Theme, file, &e))?;
    let style = |s: Option<StyleSpec>, inherited: Style| match s {
        Some(s) => to_style(s, file),
        None => Ok(inherited),
    };
    let context_tags = match spec.context_tags {
        Some(tags) if tags.value.is_empty() => {
            return Err(error_at(
                file,
                &tags.referenced,
                "context_tags needs at least one style",
            ));
        }
        Some(tags) => tags
            .value
            .into_iter()
            .map(|s| to_style(s, file))
            .collect::<Result<_, _>>()?,
        None => base.context_tags.clone(),
    };
    Ok(Theme {
        base: style(spec.base, base.base)?,
        header: style(spec.header, base.header)?,
        table_header: style(spec.table_header, base.table_header)?,
        selected_row: style(spec.selected_row, base.selected_row)?,
        status_ok: style(spec.status_ok, base.status_ok)?,
        status_warn: style(spec.status_warn, base.status_warn)?,
        status_error: style(spec.status_error, base.status_error)?,
        dim: style(spec.dim, base.dim)?,
        production_banner: style(spec.production_banner, base.production_banner)?,
        context_tags,
        border: style(spec.border, base.border)?,
        border_focused: style(spec.border_focused, base.border_focused)?,
        command_line: style(spec.command_line, base.command_line)?,
        help_key: style(spec.help_key, base.help_key)?,
        help_text: style(spec.help_text, base.help_text)?,
        log_timestamp: style(spec.log_timestamp, base.log_timestamp)?,
        search_match: style(spec.search_match, base.search_match)?,
    })
}

fn error_at(file: &str, at: &serde_saphyr::Location, message: impl Into<String>) -> ConfigError {
    let line = Some(at.line() as usize).filter(|&l| l > 0);
    ConfigError::new(ConfigKind::Theme, file, line, message)
}

fn to_style(spec: StyleSpec, file: &str) -> Result<Style, ConfigError> {
    let mut style = Style::new();
    if let Some(fg) = spec.fg {
        style = style.fg(parse_colour(&fg.value).map_err(|m| error_at(file, &fg.referenced, m))?);
    }
    if let Some(bg) = spec.bg {
        style = style.bg(parse_colour(&bg.value).map_err(|m| error_at(file, &bg.referenced, m))?);
    }
    for m in spec.modifiers {
        let modifier =
            parse_modifier(&m.value).map_err(|msg| error_at(file, &m.referenced, msg))?;
        style = style.add_modifier(modifier);
    }
    Ok(style)
}

const ANSI_COLOURS: &[(&str, Color)] = &[
    ("black", Color::Black),
    ("red", Color::Red),
    ("green", Color::Green),
    ("yellow", Color::Yellow),
    ("blue", Color::Blue),
    ("magenta", Color::Magenta),
    ("cyan", Color::Cyan),
    ("gray", Color::Gray),
    ("darkgray", Color::DarkGray),
    ("lightred", Color::LightRed),
    ("lightgreen", Color::LightGreen),
    ("lightyellow", Color::LightYellow),
    ("lightblue", Color::LightBlue),
    ("lightmagenta", Color::LightMagenta),
    ("lightcyan", Color::LightCyan),
    ("white", Color::White),
];

/// Whether `colour` is one of the 16 ANSI colours (or the terminal's own), which every colour
/// terminal can show.
pub fn is_ansi16(colour: Color) -> bool {
    colour == Color::Reset || ANSI_COLOURS.iter().any(|(_, c)| *c == colour)
}

/// Parses `red`, `light-red`, `darkgrey`, `#ff8700`, `208` or `reset`; the error is the message
/// for the operator.
pub fn parse_colour(text: &str) -> Result<Color, String> {
    let trimmed = text.trim();
    if let Some(hex) = trimmed.strip_prefix('#') {
        return match u32::from_str_radix(hex, 16) {
            Ok(rgb) if hex.len() == 6 => {
                Ok(Color::Rgb((rgb >> 16) as u8, (rgb >> 8) as u8, rgb as u8))
            }
            _ => Err(format!("colour '{text}' is not #rrggbb (six hex digits)")),
        };
    }
    if trimmed.chars().all(|c| c.is_ascii_digit()) && !trimmed.is_empty() {
        return match trimmed.parse::<u8>() {
            Ok(i) => Ok(Color::Indexed(i)),
            Err(_) => Err(format!("colour index {text} is out of range 0-255")),
        };
    }
    let key: String = trimmed
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .collect::<String>()
        .to_ascii_lowercase()
        .replace("grey", "gray");
    if key == "reset" || key == "default" {
        return Ok(Color::Reset);
    }
    if let Some((_, c)) = ANSI_COLOURS.iter().find(|(n, _)| *n == key) {
        return Ok(*c);
    }
    let names: Vec<&str> = ANSI_COLOURS.iter().map(|(n, _)| *n).collect();
    Err(match did_you_mean(&key, &names) {
        Some(near) => format!("unknown colour '{text}' (did you mean '{near}'?)"),
        None => format!(
            "unknown colour '{text}'; use an ANSI name ({}), #rrggbb or 0-255",
            names.join(", ")
        ),
    })
}

const MODIFIERS: &[(&str, Modifier)] = &[
    ("bold", Modifier::BOLD),
    ("dim", Modifier::DIM),
    ("italic", Modifier::ITALIC),
    ("underlined", Modifier::UNDERLINED),
    ("reversed", Modifier::REVERSED),
    ("slow_blink", Modifier::SLOW_BLINK),
    ("crossed_out", Modifier::CROSSED_OUT),
];

fn parse_modifier(text: &str) -> Result<Modifier, String> {
    let key = text.trim().to_ascii_lowercase().replace('-', "_");
    let key = match key.as_str() {
        "underline" => "underlined",
        "reverse" => "reversed",
        other => other,
    };
    if let Some((_, m)) = MODIFIERS.iter().find(|(n, _)| *n == key) {
        return Ok(*m);
    }
    let names: BTreeMap<&str, ()> = MODIFIERS.iter().map(|(n, _)| (*n, ())).collect();
    let names: Vec<&str> = names.into_keys().collect();
    Err(match did_you_mean(key, &names) {
        Some(near) => format!("unknown modifier '{text}' (did you mean '{near}'?)"),
        None => format!("unknown modifier '{text}'; use one of {}", names.join(", ")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped(name: &str) -> Theme {
        let text = SHIPPED.iter().find(|(n, _)| *n == name).unwrap().1;
        parse(text, name, &no_color()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn every_shipped_theme_parses_and_sets_every_style() {
        for (name, _) in SHIPPED {
            let theme = shipped(name);
            let nothing = Style::new();
            assert_ne!(theme.production_banner, nothing, "{name}");
            assert!(
                theme.context_tags.len() >= 3,
                "{name} has too few context tags"
            );
            // Built on the colourless theme, a style the file forgot would have no colour.
            assert!(theme.production_banner.bg.is_some(), "{name}");
            assert!(
                theme.selected_row.bg.is_some()
                    || theme.selected_row.add_modifier.contains(Modifier::REVERSED),
                "{name}"
            );
            assert!(
                theme.status_error.fg.is_some() || theme.status_error.bg.is_some(),
                "{name}"
            );
        }
    }

    #[test]
    fn shipped_themes_need_no_inheritance() {
        for (name, text) in SHIPPED {
            let on_nothing = parse(text, name, &no_color()).unwrap();
            let on_default = parse(text, name, &Theme::default()).unwrap();
            assert_eq!(on_nothing, on_default, "{name} leaves some style out");
        }
    }

    #[test]
    fn production_banner_is_red_and_bold_in_every_colour_theme() {
        for (name, _) in SHIPPED {
            let banner = shipped(name).production_banner;
            let reddish = match banner.bg {
                Some(Color::Red | Color::LightRed) => true,
                Some(Color::Rgb(r, g, b)) => r >= 0x80 && g < 0x40 && b < 0x40,
                Some(Color::Indexed(i)) => [52, 88, 124, 160, 196, 9, 1].contains(&i),
                _ => false,
            };
            assert!(reddish, "{name} banner background {:?}", banner.bg);
            assert!(banner.add_modifier.contains(Modifier::BOLD), "{name}");
        }
    }

    #[test]
    fn mono16_uses_only_ansi_colours() {
        let theme = shipped("mono16");
        for colour in theme.colours() {
            assert!(is_ansi16(colour), "mono16 uses {colour:?}");
        }
    }

    #[test]
    fn colour_typo_names_the_line_and_suggests() {
        let text = "base: { fg: white }\nheader:\n  fg: redd\n";
        let e = parse(text, "~/.config/kockpit/themes/x.yaml", &Theme::default()).unwrap_err();
        assert_eq!(e.line, Some(3));
        assert_eq!(
            e.to_string(),
            "theme ~/.config/kockpit/themes/x.yaml line 3: unknown colour 'redd' (did you mean 'red'?)"
        );
    }

    #[test]
    fn unknown_style_name_is_an_error_with_its_line() {
        let text = "base: { fg: white }\n\nheadr: { fg: red }\n";
        let e = parse(text, "x.yaml", &Theme::default()).unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("headr"), "{e}");
    }

    #[test]
    fn unknown_modifier_names_the_line() {
        let text = "dim:\n  modifiers: [bold, blinky]\n";
        let e = parse(text, "x.yaml", &Theme::default()).unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.message.contains("blinky"), "{e}");
    }

    #[test]
    fn colours_accept_names_hex_and_indices() {
        assert_eq!(parse_colour("lightred"), Ok(Color::LightRed));
        assert_eq!(parse_colour("Dark-Grey"), Ok(Color::DarkGray));
        assert_eq!(parse_colour("#ff8700"), Ok(Color::Rgb(0xff, 0x87, 0)));
        assert_eq!(parse_colour("208"), Ok(Color::Indexed(208)));
        assert!(parse_colour("256").is_err());
        assert!(parse_colour("#fff").is_err());
    }

    #[test]
    fn palette_index_written_as_a_number_parses() {
        let theme = parse("header: { bg: 24 }\n", "x.yaml", &Theme::default()).unwrap();
        assert_eq!(theme.header.bg, Some(Color::Indexed(24)));
    }

    #[test]
    fn partial_user_theme_inherits_the_rest_from_default() {
        let theme = parse("header: { fg: green }\n", "x.yaml", &Theme::default()).unwrap();
        assert_eq!(theme.header, Style::new().fg(Color::Green));
        assert_eq!(theme.production_banner, Theme::default().production_banner);
    }

    #[test]
    fn user_dir_overrides_shipped_and_paths_are_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("light.yaml"), "header: { fg: magenta }\n").unwrap();
        let (theme, err) = load(Some("light"), Some(dir.path()));
        assert!(err.is_none());
        assert_eq!(theme.header.fg, Some(Color::Magenta));

        let path = dir.path().join("mine.yaml");
        std::fs::write(&path, "header: { fg: cyan }\n").unwrap();
        let (theme, err) = load(Some(path.to_str().unwrap()), None);
        assert!(err.is_none());
        assert_eq!(theme.header.fg, Some(Color::Cyan));
    }

    #[test]
    fn broken_file_gives_default_theme_and_the_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x.yaml"), "header: { fg: redd }\n").unwrap();
        let (theme, err) = load(Some("x"), Some(dir.path()));
        assert_eq!(theme, Theme::default());
        let err = err.unwrap();
        assert_eq!(err.line, Some(1));
        assert!(err.file.ends_with("x.yaml"), "{err}");

        let (theme, err) = load(Some("nope"), None);
        assert_eq!(theme, Theme::default());
        assert!(err.unwrap().message.contains("high-contrast"));
    }

    #[test]
    fn no_color_theme_has_no_colours() {
        assert_eq!(no_color().colours().count(), 0);
        assert!(
            no_color()
                .production_banner
                .add_modifier
                .contains(Modifier::REVERSED)
        );
    }

    #[test]
    fn no_color_needs_a_non_empty_value() {
        use std::ffi::OsStr;
        assert!(no_color_requested(Some(OsStr::new("1"))));
        assert!(!no_color_requested(Some(OsStr::new(""))));
        assert!(!no_color_requested(None));
    }
}
