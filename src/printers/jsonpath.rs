//! The JSONPath subset CRD `additionalPrinterColumns` use: field paths (`.spec.secretName`,
//! `['a.b']`), indexes (`[0]`, `[*]`) and equality filters (`[?(@.type=="Ready")]`).

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Field(String),
    Index(usize),
    All,
    /// `[?(@.a.b=="v")]`, or `!=` when `equal` is false.
    Filter {
        path: Vec<String>,
        value: String,
        equal: bool,
    },
}

fn parse(path: &str) -> Result<Vec<Step>, String> {
    let p = path.trim();
    let p = p
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .unwrap_or(p);
    let p = p.strip_prefix('$').unwrap_or(p);
    let chars: Vec<char> = p.chars().collect();
    let mut steps = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '.' => {
                i += 1;
                let start = i;
                while i < chars.len() && chars[i] != '.' && chars[i] != '[' {
                    i += 1;
                }
                let name: String = chars[start..i].iter().collect();
                if name.is_empty() {
                    continue;
                }
                steps.push(if name == "*" {
                    Step::All
                } else {
                    Step::Field(name)
                });
            }
            '[' => {
                let end = chars[i..]
                    .iter()
                    .position(|c| *c == ']')
                    .map(|e| i + e)
                    .ok_or_else(|| format!("unclosed [ in {path}"))?;
                let inner: String = chars[i + 1..end].iter().collect();
                let inner = inner.trim();
                steps.push(bracket(inner).ok_or_else(|| format!("bad [{inner}] in {path}"))?);
                i = end + 1;
            }
            _ => {
                // A bare leading field name (`spec.x`).
                let start = i;
                while i < chars.len() && chars[i] != '.' && chars[i] != '[' {
                    i += 1;
                }
                steps.push(Step::Field(chars[start..i].iter().collect()));
            }
        }
    }
    Ok(steps)
}

fn unquote(s: &str) -> Option<&str> {
    let s = s.trim();
    ['"', '\'']
        .iter()
        .find_map(|q| s.strip_prefix(*q).and_then(|r| r.strip_suffix(*q)))
}

fn bracket(inner: &str) -> Option<Step> {
    if inner == "*" {
        return Some(Step::All);
    }
    if let Ok(n) = inner.parse::<usize>() {
        return Some(Step::Index(n));
    }
    if let Some(name) = unquote(inner) {
        return Some(Step::Field(name.to_string()));
    }
    let cond = inner.strip_prefix("?(")?.strip_suffix(')')?;
    let (lhs, rhs, equal) = if let Some((l, r)) = cond.split_once("==") {
        (l, r, true)
    } else {
        let (l, r) = cond.split_once("!=")?;
        (l, r, false)
    };
    let lhs = lhs.trim().strip_prefix('@')?;
    let path = lhs
        .split('.')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let rhs = rhs.trim();
    let value = unquote(rhs).unwrap_or(rhs).to_string();
    Some(Step::Filter { path, value, equal })
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Every value `path` selects in `obj`, in document order; an error for a path it cannot parse.
pub fn eval(path: &str, obj: &Value) -> Result<Vec<Value>, String> {
    let steps = parse(path)?;
    let mut nodes: Vec<&Value> = vec![obj];
    for step in &steps {
        let mut next = Vec::new();
        for n in nodes {
            match step {
                Step::Field(f) => next.extend(n.get(f.as_str())),
                Step::Index(i) => next.extend(n.get(*i)),
                Step::All => match n {
                    Value::Array(a) => next.extend(a.iter()),
                    Value::Object(m) => next.extend(m.values()),
                    _ => {}
                },
                Step::Filter { path, value, equal } => {
                    for item in n.as_array().into_iter().flatten() {
                        let got = path
                            .iter()
                            .try_fold(item, |v, k| v.get(k.as_str()))
                            .and_then(scalar_text);
                        let hit = got.as_deref() == Some(value.as_str());
                        if hit == *equal && (got.is_some() || !*equal) {
                            next.push(item);
                        }
                    }
                }
            }
        }
        nodes = next;
    }
    Ok(nodes.into_iter().cloned().collect())
}

/// The first value `path` selects (what a printer column shows), if any.
pub fn first(path: &str, obj: &Value) -> Option<Value> {
    eval(path, obj).ok()?.into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cert() -> Value {
        json!({
            "metadata": {"name": "web", "annotations": {"a.b/c": "x"}},
            "spec": {"secretName": "web-tls", "issuerRef": {"name": "letsencrypt"}, "dnsNames": ["a", "b"]},
            "status": {"conditions": [
                {"type": "Issuing", "status": "True"},
                {"type": "Ready", "status": "False", "message": "pending"}
            ], "replicas": 3}
        })
    }

    #[test]
    fn field_paths_select_nested_values() {
        assert_eq!(first(".spec.secretName", &cert()), Some(json!("web-tls")));
        assert_eq!(
            first(".spec.issuerRef.name", &cert()),
            Some(json!("letsencrypt"))
        );
        assert_eq!(first("{.status.replicas}", &cert()), Some(json!(3)));
        assert_eq!(first(".spec.nope", &cert()), None);
        assert_eq!(
            first(".metadata.annotations['a.b/c']", &cert()),
            Some(json!("x"))
        );
    }

    #[test]
    fn filters_pick_the_matching_condition() {
        let ready = r#".status.conditions[?(@.type=="Ready")].status"#;
        assert_eq!(first(ready, &cert()), Some(json!("False")));
        let msg = r#".status.conditions[?(@.type=='Ready')].message"#;
        assert_eq!(first(msg, &cert()), Some(json!("pending")));
        let none = r#".status.conditions[?(@.type=="Gone")].status"#;
        assert_eq!(first(none, &cert()), None);
        let not = r#".status.conditions[?(@.type!="Ready")].type"#;
        assert_eq!(first(not, &cert()), Some(json!("Issuing")));
    }

    #[test]
    fn indexes_and_wildcards() {
        assert_eq!(first(".spec.dnsNames[1]", &cert()), Some(json!("b")));
        assert_eq!(first(".spec.dnsNames[5]", &cert()), None);
        assert_eq!(
            eval(".spec.dnsNames[*]", &cert()).unwrap(),
            vec![json!("a"), json!("b")]
        );
        assert!(eval(".spec[", &cert()).is_err());
    }
}
