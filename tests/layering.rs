//! The house's rules, checked rather than hoped for: `src/app/` is the pure core (no tokio, no
//! terminal library beyond the key event it receives, no I/O, nothing from `ui/`), the rooms
//! that import nothing of the cockpit stay that way, and no source file grows past 800 lines.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn src(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(sub)
}

/// Lines of code outside comments, with their numbers (so doc examples do not count).
fn code_lines(text: &str) -> Vec<(usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_start()))
        .filter(|(_, l)| !l.starts_with("//"))
        .collect()
}

/// Every occurrence of a forbidden path in `dir`, as `file:line: text`.
fn offences(dir: &Path, forbidden: &[&str], allowed: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for file in rust_files(dir) {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in code_lines(&text) {
            for f in forbidden {
                if line.contains(f) && !allowed.iter().any(|a| line.contains(a)) {
                    found.push(format!("{}:{n}: {line}", file.display()));
                }
            }
        }
    }
    found
}

#[test]
fn the_core_imports_no_ui_no_runtime_no_terminal_and_does_no_io() {
    let forbidden = [
        "crate::ui",
        "kockpit::ui",
        "crate::exec",
        "tokio",
        "ratatui",
        "crossterm",
        "std::fs",
        "std::net",
        "std::process",
        "std::env",
        "std::io",
        "std::thread",
        "Timestamp::now",
        "SystemTime",
        "Instant::now",
        "kube::",
        "println!",
        "eprintln!",
        "directories::",
    ];
    // The one terminal type the core takes: the key event (and its parts) it is handed.
    let allowed = ["use crossterm::event::"];
    let mut found = offences(&src("app"), &forbidden, &allowed);
    found.extend(terminal_imports_beyond_the_key_event(&src("app")));
    assert!(
        found.is_empty(),
        "src/app/ must stay the pure core:\n{}",
        found.join("\n")
    );
}

/// `use crossterm::event::…` lines that import more than the key event's types.
fn terminal_imports_beyond_the_key_event(dir: &Path) -> Vec<String> {
    const KEY_TYPES: [&str; 4] = ["KeyCode", "KeyEvent", "KeyEventKind", "KeyModifiers"];
    let mut found = Vec::new();
    for file in rust_files(dir) {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in code_lines(&text) {
            let Some(items) = line.strip_prefix("use crossterm::event::") else {
                continue;
            };
            let items = items.trim_end_matches(';').trim_matches(['{', '}']);
            if !items
                .split(',')
                .map(str::trim)
                .all(|i| KEY_TYPES.contains(&i))
            {
                found.push(format!("{}:{n}: {line}", file.display()));
            }
        }
    }
    found
}

#[test]
fn the_layering_check_would_catch_an_import_of_the_ui() {
    // A check that cannot fail proves nothing: plant an offending file and see it caught.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.rs"),
        "//! use crate::ui::screen; in a comment is fine\nuse crate::ui::screen;\nfn f() { let _ = std::fs::read(\"x\"); }\n",
    )
    .unwrap();
    let found = offences(dir.path(), &["crate::ui", "std::fs"], &[]);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].ends_with(":2: use crate::ui::screen;"),
        "{found:?}"
    );
    std::fs::write(
        dir.path().join("bad.rs"),
        "use crossterm::event::{KeyEvent, EventStream};\nuse crossterm::event::KeyCode;\n",
    )
    .unwrap();
    let found = terminal_imports_beyond_the_key_event(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("EventStream"), "{found:?}");
}

#[test]
fn rooms_that_import_nothing_of_the_cockpit_stay_that_way() {
    let cockpit = [
        "crate::app",
        "crate::ui",
        "crate::exec",
        "crate::cluster",
        "crate::recovery",
        "crate::sim",
        "crate::settings",
        "crate::printers",
    ];
    let mut found = offences(&src("selector"), &cockpit, &[]);
    let sanitize = src("sanitize.rs");
    let text = std::fs::read_to_string(&sanitize).unwrap();
    for (n, line) in code_lines(&text) {
        if line.contains("crate::") {
            found.push(format!("{}:{n}: {line}", sanitize.display()));
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn cluster_code_never_imports_the_ui_or_the_core() {
    let found = offences(
        &src("cluster"),
        &["crate::ui", "crate::app", "crate::exec"],
        &[],
    );
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn no_source_file_is_over_800_lines() {
    let mut long = Vec::new();
    for file in rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src")) {
        let n = std::fs::read_to_string(&file).unwrap().lines().count();
        if n > 800 {
            long.push(format!("{}: {n} lines", file.display()));
        }
    }
    assert!(long.is_empty(), "split these rooms:\n{}", long.join("\n"));
}
