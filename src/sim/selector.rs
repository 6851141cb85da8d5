//! Label and field selectors, parsed as the apiserver parses them.

use super::store::Object;

#[derive(Debug, Clone, PartialEq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelSelector(Vec<Requirement>);

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSelector(Vec<(String, String, bool)>);

/// Splits on commas that are not inside parentheses.
fn split_top_level(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out.into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 317
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

fn valid_value(v: &str) -> bool {
    v.len() <= 63
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn parse_set(rest: &str) -> Option<Vec<String>> {
    let inner = rest.trim().strip_prefix('(')?.strip_suffix(')')?;
    let values: Vec<String> = inner.split(',').map(|v| v.trim().to_string()).collect();
    values.iter().all(|v| valid_value(v)).then_some(values)
}

impl LabelSelector {
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut reqs = Vec::new();
        for part in split_top_level(s) {
            let bad = || {
                format!(
                    "unable to parse requirement: found '{part}', expected: valid label selector"
                )
            };
            let req = if let Some(k) = part.strip_prefix('!') {
                Requirement::DoesNotExist(k.trim().to_string())
            } else if let Some((k, v)) = part.split_once("!=") {
                Requirement::NotEquals(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
                Requirement::Equals(k.trim().into(), v.trim().into())
            } else if let Some((k, rest)) = part.split_once(" notin ") {
                Requirement::NotIn(k.trim().into(), parse_set(rest).ok_or_else(bad)?)
            } else if let Some((k, rest)) = part.split_once(" in ") {
                Requirement::In(k.trim().into(), parse_set(rest).ok_or_else(bad)?)
            } else {
                Requirement::Exists(part.to_string())
            };
            let (key, values): (&str, Vec<&str>) = match &req {
                Requirement::Equals(k, v) | Requirement::NotEquals(k, v) => (k, vec![v.as_str()]),
                Requirement::In(k, vs) | Requirement::NotIn(k, vs) => {
                    (k, vs.iter().map(String::as_str).collect())
                }
                Requirement::Exists(k) | Requirement::DoesNotExist(k) => (k, vec![]),
            };
            if !valid_key(key) || !values.iter().all(|v| valid_value(v)) {
                return Err(bad());
            }
            reqs.push(req);
        }
        Ok(LabelSelector(reqs))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn matches_with(&self, label: impl Fn(&str) -> Option<String>) -> bool {
        self.0.iter().all(|r| match r {
            Requirement::Equals(k, v) => label(k).as_deref() == Some(v),
            Requirement::NotEquals(k, v) => label(k).as_deref() != Some(v),
            Requirement::In(k, vs) => label(k).is_some_and(|l| vs.contains(&l)),
            Requirement::NotIn(k, vs) => label(k).is_none_or(|l| !vs.contains(&l)),
            Requirement::Exists(k) => label(k).is_some(),
            Requirement::DoesNotExist(k) => label(k).is_none(),
        })
    }

    pub fn matches(&self, obj: &Object) -> bool {
        self.matches_with(|k| obj.label(k).map(str::to_string))
    }

    /// A `matchLabels` map (deployment, service, PDB selectors) as a selector.
    pub fn from_match_labels(labels: &serde_json::Value) -> Self {
        let reqs = labels
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        Requirement::Equals(k.clone(), v.as_str().unwrap_or_default().into())
                    })
                    .collect()
            })
            .unwrap_or_default();
        LabelSelector(reqs)
    }

    /// A `metav1.LabelSelector` (matchLabels + matchExpressions).
    pub fn from_label_selector(sel: &serde_json::Value) -> Self {
        let mut s = Self::from_match_labels(&sel["matchLabels"]);
        for e in sel["matchExpressions"].as_array().into_iter().flatten() {
            let key = e["key"].as_str().unwrap_or_default().to_string();
            let values: Vec<String> = e["values"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            s.0.push(match e["operator"].as_str().unwrap_or_default() {
                "In" => Requirement::In(key, values),
                "NotIn" => Requirement::NotIn(key, values),
                "Exists" => Requirement::Exists(key),
                _ => Requirement::DoesNotExist(key),
            });
        }
        s
    }
}

impl FieldSelector {
    pub fn parse(s: &str, allowed: impl Fn(&str) -> bool) -> Result<Self, String> {
        let mut reqs = Vec::new();
        for part in split_top_level(s) {
            let (k, v, eq) = if let Some((k, v)) = part.split_once("!=") {
                (k, v, false)
            } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
                (k, v, true)
            } else {
                return Err(format!(
                    "invalid selector: '{s}'; can't understand '{part}'"
                ));
            };
            let k = k.trim();
            if !allowed(k) {
                return Err(format!("field label not supported: {k}"));
            }
            reqs.push((k.to_string(), v.trim().to_string(), eq));
        }
        Ok(FieldSelector(reqs))
    }

    pub fn matches(&self, obj: &Object) -> bool {
        self.0
            .iter()
            .all(|(k, v, eq)| (obj.field(k).unwrap_or_default() == v) == *eq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(a, _)| *a == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn equality_and_set_requirements_match() {
        let s = LabelSelector::parse("app=web,tier in (front, back),!canary").unwrap();
        assert!(s.matches_with(labels(&[("app", "web"), ("tier", "front")])));
        assert!(!s.matches_with(labels(&[("app", "web"), ("tier", "db")])));
        assert!(!s.matches_with(labels(&[
            ("app", "web"),
            ("tier", "front"),
            ("canary", "1")
        ])));
    }

    #[test]
    fn not_equals_and_notin_accept_missing_labels() {
        let s = LabelSelector::parse("app!=web,env notin (prod)").unwrap();
        assert!(s.matches_with(labels(&[])));
    }

    #[test]
    fn garbage_selector_is_an_error() {
        assert!(LabelSelector::parse("app=we b=").is_err());
        assert!(LabelSelector::parse("tier in (a").is_err());
    }

    #[test]
    fn unsupported_field_is_an_error() {
        let err = FieldSelector::parse("spec.bogus=1", |k| k == "spec.nodeName").unwrap_err();
        assert!(err.contains("field label not supported"));
    }
}
