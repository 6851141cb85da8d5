//! Label selectors, parsed, validated and matched as apimachinery's `pkg/labels` does (the
//! apiserver's `labelSelector=`, kubectl's `-l`). One parser for the simulator and the cockpit's
//! `L` filter, so the two cannot disagree on what is valid. Imports nothing of either.
//!
//! The grammar (`labels.Parse`):
//!
//! ```text
//! <selector>    ::= <requirement> | <requirement> "," <selector>
//! <requirement> ::= [!] KEY [ ("in" | "notin") "(" VALUE {"," VALUE} ")" | ("=" | "==" | "!=" | ">" | "<") VALUE ]
//! ```
//!
//! KEY is a qualified name (`[DNS subdomain "/"] name`, name ≤ 63 characters of
//! `[A-Za-z0-9-_.]` starting and ending alphanumeric); VALUE is empty or ≤ 63 such characters.
//! Errors carry apimachinery's wording, e.g. `unable to parse requirement: found 'b', expected:
//! in, notin, =, ==, !=, gt, lt`.
//!
//! This file holds the public types and matching; the text goes through `lexer` (bytes to
//! tokens) and `parser` (tokens to requirements), which checks keys and values with
//! `validation`.

mod lexer;
mod parser;
mod validation;

use std::collections::{BTreeMap, HashMap};

/// A set of labels a selector can be matched against (apimachinery's `labels.Labels`).
pub trait Labels {
    fn label(&self, key: &str) -> Option<&str>;
}

impl Labels for BTreeMap<String, String> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

impl Labels for HashMap<String, String> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

impl<T: Labels + ?Sized> Labels for &T {
    fn label(&self, key: &str) -> Option<&str> {
        (**self).label(key)
    }
}

impl<T: Labels + ?Sized> Labels for std::sync::Arc<T> {
    fn label(&self, key: &str) -> Option<&str> {
        (**self).label(key)
    }
}

/// A JSON `metadata.labels` object.
impl Labels for serde_json::Map<String, serde_json::Value> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(serde_json::Value::as_str)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
    GreaterThan(String, i64),
    LessThan(String, i64),
}

impl Requirement {
    fn matches<'a>(&self, label: &impl Fn(&str) -> Option<&'a str>) -> bool {
        match self {
            Requirement::Equals(k, v) => label(k) == Some(v.as_str()),
            Requirement::NotEquals(k, v) => label(k) != Some(v.as_str()),
            Requirement::In(k, vs) => label(k).is_some_and(|l| vs.iter().any(|v| v == l)),
            Requirement::NotIn(k, vs) => label(k).is_none_or(|l| !vs.iter().any(|v| v == l)),
            Requirement::Exists(k) => label(k).is_some(),
            Requirement::DoesNotExist(k) => label(k).is_none(),
            Requirement::GreaterThan(k, n) => label(k)
                .and_then(|l| l.parse::<i64>().ok())
                .is_some_and(|l| l > *n),
            Requirement::LessThan(k, n) => label(k)
                .and_then(|l| l.parse::<i64>().ok())
                .is_some_and(|l| l < *n),
        }
    }
}

/// A parsed label selector: every requirement must hold. The empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelSelector(Vec<Requirement>);

impl LabelSelector {
    /// `labels.Parse`: the selector, or the apiserver's error text.
    pub fn parse(text: &str) -> Result<Self, String> {
        parser::parse(text).map(LabelSelector)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn matches<L: Labels + ?Sized>(&self, labels: &L) -> bool {
        self.matches_with(|k| labels.label(k))
    }

    /// Matches against any label lookup: `|key| Some(value)` when the label is set.
    pub fn matches_with<'a>(&self, label: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.0.iter().all(|r| r.matches(&label))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn err(s: &str) -> String {
        LabelSelector::parse(s).unwrap_err()
    }

    // The simulator's tests from before the parsers were merged.
    fn lookup<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<&'a str> + 'a {
        move |k| pairs.iter().find(|(a, _)| *a == k).map(|(_, v)| *v)
    }

    #[test]
    fn equality_and_set_requirements_match() {
        let s = LabelSelector::parse("app=web,tier in (front, back),!canary").unwrap();
        assert!(s.matches_with(lookup(&[("app", "web"), ("tier", "front")])));
        assert!(!s.matches_with(lookup(&[("app", "web"), ("tier", "db")])));
        assert!(!s.matches_with(lookup(&[
            ("app", "web"),
            ("tier", "front"),
            ("canary", "1")
        ])));
    }

    #[test]
    fn not_equals_and_notin_accept_missing_labels() {
        let s = LabelSelector::parse("app!=web,env notin (prod)").unwrap();
        assert!(s.matches_with(lookup(&[])));
    }

    #[test]
    fn valid_forms_parse_and_match() {
        let web = labels(&[("app", "web"), ("tier", "front")]);
        let cases: &[(&str, bool)] = &[
            ("", true),
            ("   ", true),
            ("app=web", true),
            ("app==web", true),
            ("app = web", true),
            ("app!=web", false),
            ("app!=db", true),
            ("tier in (front,back)", true),
            ("tier in(front, back)", true),
            ("tier in (back)", false),
            ("tier notin (front)", false),
            ("tier notin (db)", true),
            ("env notin (prod)", true),
            ("app", true),
            ("env", false),
            ("!env", true),
            ("!app", false),
            ("app=web,tier in (front),!canary", true),
            ("app=web, !tier", false),
            ("app.kubernetes.io/name", false),
            ("in=x", false),
            ("tier in (in, notin, front)", true),
            ("app=", false),
            ("tier in ()", false),
        ];
        for (s, want) in cases {
            let sel = LabelSelector::parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}"));
            assert_eq!(sel.matches(&web), *want, "{s:?}");
        }
    }

    #[test]
    fn empty_values_match_empty_labels() {
        let l = labels(&[("a", "")]);
        for s in ["a=", "a==", "a in ()", "a in (,x)", "a in (x,,y)"] {
            assert!(LabelSelector::parse(s).unwrap().matches(&l), "{s}");
        }
        assert!(!LabelSelector::parse("a=").unwrap().matches(&labels(&[])));
        assert!(LabelSelector::parse("a!=").unwrap().matches(&labels(&[])));
    }

    #[test]
    fn gt_and_lt_compare_integers() {
        let l = labels(&[("n", "5"), ("s", "five")]);
        assert!(LabelSelector::parse("n>4").unwrap().matches(&l));
        assert!(!LabelSelector::parse("n>5").unwrap().matches(&l));
        assert!(LabelSelector::parse("n<6").unwrap().matches(&l));
        assert!(!LabelSelector::parse("s<6").unwrap().matches(&l));
        assert!(!LabelSelector::parse("m<6").unwrap().matches(&l));
        assert_eq!(
            err("n>x"),
            "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer"
        );
    }

    #[test]
    fn matches_with_takes_any_lookup() {
        let json = serde_json::json!({"app": "web"});
        let map = json.as_object().unwrap();
        let sel = LabelSelector::parse("app in (web,api),!canary").unwrap();
        assert!(sel.matches(map));
        assert!(sel.matches_with(|k| map.get(k).and_then(|v| v.as_str())));
        assert!(!sel.matches_with(|_| None));
    }
}
