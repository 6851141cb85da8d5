//! The file an edit session hands to the editor, as `kubectl edit` writes it: a `#` header
//! (and, when the editor reopens, the reason on top), the object as YAML below; reading it back
//! (comment lines ignored, YAML errors named with their line), and the editor's command line.

use std::path::Path;

use serde_json::Value;

use crate::app::edit::ObjectRef;

/// Why the editor reopens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The text is not valid YAML, or not this object; `line` counts lines of the operator's
    /// text below the header.
    Invalid {
        message: String,
        line: Option<usize>,
    },
    /// 409: the object changed since it was opened. `theirs`: the fields that changed;
    /// `now_at`: its resourceVersion now.
    Conflict {
        theirs: Vec<String>,
        now_at: Option<String>,
    },
    /// Any other refusal of the API (422 Invalid, 403 Forbidden, …): its message.
    Refused(String),
}

impl Problem {
    /// For the sentence a session ends with: "a conflict (…)".
    pub fn summary(&self) -> String {
        match self {
            Problem::Invalid { .. } => "invalid YAML".into(),
            Problem::Conflict { .. } => {
                "a conflict: someone else changed it since you opened it".into()
            }
            Problem::Refused(why) => format!("the API refused it: {}", first_line(why)),
        }
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or_default()
}

const HEADER: &str = "\
# Please edit the object below. Lines beginning with a '#' will be ignored,
# and an empty file will abort the edit. If an error occurs while saving this file will be
# reopened with the relevant failures.
#
";

fn comment(out: &mut String, text: &str) {
    for line in text.lines() {
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
}

/// The header for `object`, with `problem` on top; `{LINE}` stands for a line number.
fn header(object: &ObjectRef, secret: bool, problem: Option<&Problem>) -> String {
    let mut out = String::new();
    let resource = format!("{} \"{}\"", object.kind.qualified(), object.name);
    match problem {
        None => {}
        Some(Problem::Invalid { message, line }) => {
            let at = line.map_or(String::new(), |_| " (line {LINE})".to_string());
            comment(
                &mut out,
                &format!("error: your text is not valid{at}: {message}"),
            );
            comment(
                &mut out,
                "Your text is kept below: fix it and save, or quit without saving to cancel.",
            );
            out.push_str("#\n");
        }
        Some(Problem::Conflict { theirs, now_at }) => {
            comment(
                &mut out,
                &format!(
                    "error: {resource} was changed by someone else since you opened it (409 Conflict): nothing was sent."
                ),
            );
            if !theirs.is_empty() {
                comment(&mut out, &format!("Their change: {}", theirs.join(", ")));
            }
            comment(
                &mut out,
                "Your edited text is kept below. It still carries the resourceVersion you opened, so saving it",
            );
            match now_at {
                Some(rv) => comment(
                    &mut out,
                    &format!(
                        "as it is conflicts again: to save over their change, set metadata.resourceVersion to \"{rv}\"."
                    ),
                ),
                None => comment(&mut out, "as it is conflicts again."),
            }
            comment(
                &mut out,
                "Quit without saving to cancel (your text is then kept in this file).",
            );
            out.push_str("#\n");
        }
        Some(Problem::Refused(why)) => {
            comment(
                &mut out,
                &format!("error: the API refused the change to {resource}:"),
            );
            comment(&mut out, why);
            comment(
                &mut out,
                "Your text is kept below: fix it and save, or quit without saving to cancel.",
            );
            out.push_str("#\n");
        }
    }
    out.push_str(HEADER);
    comment(
        &mut out,
        &format!(
            "kockpit: {}. Saving shows the change for you to confirm before it is sent.",
            object.shown()
        ),
    );
    if secret {
        comment(
            &mut out,
            "The values under data are base64, as stored. This file is private and deleted when the edit ends.",
        );
    }
    out.push_str("#\n");
    out
}

/// The whole file: header (and problem) above the operator's text.
pub fn compose(object: &ObjectRef, secret: bool, problem: Option<&Problem>, body: &str) -> String {
    let head = header(object, secret, problem);
    let head = match problem {
        Some(Problem::Invalid { line: Some(l), .. }) => {
            let lines = head.lines().count();
            head.replace("{LINE}", &(lines + l).to_string())
        }
        _ => head,
    };
    format!("{head}{body}")
}

/// The text without its comment lines (as kubectl compares and reads it).
pub fn strip_comments(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The text without the comment lines at its top (the header).
pub fn without_header(text: &str) -> String {
    let mut lines = text.split_inclusive('\n').peekable();
    while lines.next_if(|l| l.starts_with('#')).is_some() {}
    lines.collect()
}

/// The edited object, or why the editor reopens.
pub fn parse(text: &str, object: &ObjectRef) -> Result<Value, Problem> {
    let header_lines = text.lines().take_while(|l| l.starts_with('#')).count();
    let value: Value = serde_saphyr::from_str(text).map_err(|e| {
        let line = e
            .location()
            .map(|l| l.line() as usize)
            .filter(|&l| l > header_lines)
            .map(|l| l - header_lines);
        let plain = e.without_snippet().to_string();
        let message = plain
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("not valid YAML");
        let message = message.split(" at line ").next().unwrap_or(message);
        Problem::Invalid {
            message: format!("YAML: {message}"),
            line,
        }
    })?;
    let invalid = |message: String| Problem::Invalid {
        message,
        line: None,
    };
    if !value.is_object() {
        return Err(invalid("the text must be one object (a mapping)".into()));
    }
    if value["kind"].as_str() != Some(object.kind.kind.as_str()) {
        return Err(invalid(format!(
            "kind cannot be changed (it is {})",
            object.kind.kind
        )));
    }
    if value["metadata"]["name"].as_str() != Some(object.name.as_str()) {
        return Err(invalid(format!(
            "metadata.name cannot be changed (it is {})",
            object.name
        )));
    }
    Ok(value)
}

/// `deployment-web.yaml`: named so editors pick YAML highlighting; only safe characters.
pub fn file_name(kind: &str, name: &str) -> String {
    let safe: String = format!("{}-{name}", kind.to_lowercase())
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    format!("{safe}.yaml")
}

/// The editor as kubectl picks it: `$KUBE_EDITOR`, else `$EDITOR`, else `vi`.
pub fn editor() -> Vec<String> {
    let pick = |v: &str| std::env::var(v).ok().filter(|s| !s.trim().is_empty());
    let spec = pick("KUBE_EDITOR")
        .or_else(|| pick("EDITOR"))
        .unwrap_or_else(|| "vi".into());
    argv(&spec)
}

/// The words of an editor setting that may carry arguments (`code --wait`, `vim -u NONE`): run
/// through `sh` (as kubectl does) when it has more than a program name.
pub fn argv(spec: &str) -> Vec<String> {
    let spec = spec.trim();
    if spec
        .chars()
        .any(|c| c.is_whitespace() || "'\"$\\;&|<>()`".contains(c))
    {
        vec![
            "sh".into(),
            "-c".into(),
            format!("{spec} \"$1\""),
            "kockpit-edit".into(),
        ]
    } else {
        vec![spec.to_string()]
    }
}

/// The editor's command on `file`.
pub fn command(editor: &[String], file: &Path) -> tokio::process::Command {
    let mut c = tokio::process::Command::new(&editor[0]);
    c.args(&editor[1..]).arg(file);
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::kinds::KindInfo;

    fn web() -> ObjectRef {
        ObjectRef {
            context: "prod".into(),
            kind: KindInfo::builtin("Deployment").unwrap(),
            namespace: "default".into(),
            name: "web".into(),
        }
    }

    const BODY: &str =
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels:\n    tier: web\n";

    #[test]
    fn the_file_has_kubectls_header_above_the_object() {
        let text = compose(&web(), false, None, BODY);
        assert!(
            text.starts_with("# Please edit the object below."),
            "{text}"
        );
        assert!(
            text.contains("# kockpit: deployment default/web (prod)."),
            "{text}"
        );
        assert!(text.ends_with(BODY));
        assert_eq!(strip_comments(&text), BODY);
        assert_eq!(without_header(&text), BODY);
        assert!(!compose(&web(), false, None, BODY).contains("base64"));
        assert!(compose(&web(), true, None, BODY).contains("# The values under data are base64"));
    }

    #[test]
    fn comment_lines_are_ignored_when_comparing() {
        let given = compose(&web(), false, None, BODY);
        let touched = given.replace("# Please edit", "# please EDIT");
        assert_eq!(strip_comments(&touched), strip_comments(&given));
        let changed = given.replace("tier: web", "tier: api");
        assert_ne!(strip_comments(&changed), strip_comments(&given));
    }

    #[test]
    fn invalid_yaml_is_named_with_its_line_in_the_reopened_file() {
        let broken = BODY.replace("    tier: web", "    tier: [web");
        let saved = compose(&web(), false, None, &broken);
        let problem = parse(&saved, &web()).unwrap_err();
        let Problem::Invalid { message, line } = &problem else {
            panic!("{problem:?}")
        };
        assert!(message.starts_with("YAML: "), "{message}");
        let line = line.expect("a line");
        assert!(
            (5..=7).contains(&line),
            "line {line} of the operator's text"
        );
        let reopened = compose(&web(), false, Some(&problem), &without_header(&saved));
        let first = reopened.lines().next().unwrap();
        assert!(
            first.starts_with("# error: your text is not valid (line "),
            "{first}"
        );
        let shown: usize = first["# error: your text is not valid (line ".len()..]
            .split(')')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let header = reopened.lines().take_while(|l| l.starts_with('#')).count();
        assert_eq!(shown, header + line, "{reopened}");
        assert!(reopened.ends_with(&broken), "the operator's text is kept");
    }

    #[test]
    fn the_object_must_stay_the_same_object() {
        let renamed = BODY.replace("name: web", "name: other");
        let Err(Problem::Invalid { message, .. }) = parse(&renamed, &web()) else {
            panic!()
        };
        assert_eq!(message, "metadata.name cannot be changed (it is web)");
        assert!(parse("- a\n- b\n", &web()).is_err());
        assert_eq!(
            parse(BODY, &web()).unwrap()["metadata"]["labels"]["tier"],
            "web"
        );
    }

    #[test]
    fn a_conflict_header_says_who_changed_what_and_how_to_save_over_it() {
        let p = Problem::Conflict {
            theirs: vec![
                "metadata.labels.owner".into(),
                "metadata.resourceVersion".into(),
            ],
            now_at: Some("42".into()),
        };
        let text = compose(&web(), false, Some(&p), BODY);
        assert!(text.starts_with("# error: deployments.apps \"web\" was changed by someone else since you opened it (409 Conflict): nothing was sent.\n"), "{text}");
        assert!(
            text.contains("# Their change: metadata.labels.owner, metadata.resourceVersion\n"),
            "{text}"
        );
        assert!(
            text.contains("set metadata.resourceVersion to \"42\""),
            "{text}"
        );
        assert!(text.ends_with(BODY));
        let refused = compose(
            &web(),
            false,
            Some(&Problem::Refused(
                "is invalid: spec.replicas\nline two".into(),
            )),
            BODY,
        );
        assert!(
            refused.contains("# is invalid: spec.replicas\n# line two\n"),
            "{refused}"
        );
    }

    #[test]
    fn editor_settings_with_arguments_go_through_sh() {
        assert_eq!(argv("vi"), ["vi"]);
        assert_eq!(argv(" nano "), ["nano"]);
        assert_eq!(
            argv("code --wait"),
            ["sh", "-c", "code --wait \"$1\"", "kockpit-edit"]
        );
        assert_eq!(
            file_name("Deployment", "web/../x"),
            "deployment-web_.._x.yaml"
        );
    }
}
