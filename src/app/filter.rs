//! The `/` filter (substring, or regex when it parses as one and contains regex syntax) and the
//! label-selector filter, as pure predicates over row text and labels.

use std::collections::BTreeMap;

use regex::Regex;

#[derive(Debug, Clone, Default)]
pub struct TextFilter {
    pub text: String,
    lower: String,
    regex: Option<Regex>,
}

impl TextFilter {
    /// Case-insensitive substring; text with regex metacharacters is used as a regex when valid.
    pub fn new(text: &str) -> Self {
        let looks_like_regex = text.chars().any(|c| "^$.*+?()[]{}|\\".contains(c));
        let regex = looks_like_regex
            .then(|| Regex::new(&format!("(?i){text}")).ok())
            .flatten();
        TextFilter {
            text: text.to_string(),
            lower: text.to_lowercase(),
            regex,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub fn is_regex(&self) -> bool {
        self.regex.is_some()
    }

    pub fn matches(&self, haystack: &str) -> bool {
        if self.text.is_empty() {
            return true;
        }
        match &self.regex {
            Some(r) => r.is_match(haystack),
            None => contains_ignore_case(haystack, &self.lower),
        }
    }
}

/// Case-insensitive substring test without allocating for ASCII text: it runs on every row of
/// a 100,000-row table each frame.
fn contains_ignore_case(haystack: &str, needle_lower: &str) -> bool {
    if haystack.is_ascii() && needle_lower.is_ascii() {
        let n = needle_lower.as_bytes();
        n.is_empty()
            || haystack
                .as_bytes()
                .windows(n.len())
                .any(|w| w.eq_ignore_ascii_case(n))
    } else {
        haystack.to_lowercase().contains(needle_lower)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Req {
    Eq(String, String),
    Ne(String, String),
    Exists(String),
    Absent(String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
}

/// A label selector as kubectl's `-l` takes it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelFilter {
    pub text: String,
    reqs: Vec<Req>,
}

impl LabelFilter {
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut reqs = Vec::new();
        let mut depth = 0;
        let mut parts = Vec::new();
        let mut start = 0;
        for (i, c) in text.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    parts.push(&text[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        parts.push(&text[start..]);
        for p in parts.into_iter().map(str::trim).filter(|p| !p.is_empty()) {
            let set = |rest: &str| -> Result<Vec<String>, String> {
                let inner = rest
                    .trim()
                    .strip_prefix('(')
                    .and_then(|r| r.strip_suffix(')'))
                    .ok_or_else(|| format!("expected (a,b) in {p:?}"))?;
                Ok(inner.split(',').map(|v| v.trim().to_string()).collect())
            };
            let req = if let Some(k) = p.strip_prefix('!') {
                Req::Absent(k.trim().into())
            } else if let Some((k, v)) = p.split_once("!=") {
                Req::Ne(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = p.split_once("==").or_else(|| p.split_once('=')) {
                Req::Eq(k.trim().into(), v.trim().into())
            } else if let Some((k, rest)) = p.split_once(" notin ") {
                Req::NotIn(k.trim().into(), set(rest)?)
            } else if let Some((k, rest)) = p.split_once(" in ") {
                Req::In(k.trim().into(), set(rest)?)
            } else if p
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
            {
                Req::Exists(p.into())
            } else {
                return Err(format!("not a label selector: {p:?}"));
            };
            reqs.push(req);
        }
        Ok(LabelFilter {
            text: text.trim().to_string(),
            reqs,
        })
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.reqs.iter().all(|r| match r {
            Req::Eq(k, v) => labels.get(k) == Some(v),
            Req::Ne(k, v) => labels.get(k) != Some(v),
            Req::Exists(k) => labels.contains_key(k),
            Req::Absent(k) => !labels.contains_key(k),
            Req::In(k, vs) => labels.get(k).is_some_and(|v| vs.contains(v)),
            Req::NotIn(k, vs) => labels.get(k).is_none_or(|v| !vs.contains(v)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_a_case_insensitive_substring() {
        let f = TextFilter::new("Nginx");
        assert!(!f.is_regex());
        assert!(f.matches("default nginx-ingress-abc"));
        assert!(!f.matches("keycloak"));
    }

    #[test]
    fn regex_syntax_makes_a_regex() {
        let f = TextFilter::new("^kube-(dns|router)");
        assert!(f.is_regex());
        assert!(f.matches("kube-router-x"));
        assert!(!f.matches("a kube-router"));
    }

    #[test]
    fn invalid_regex_falls_back_to_substring() {
        let f = TextFilter::new("a(b");
        assert!(!f.is_regex());
        assert!(f.matches("xa(by"));
    }

    #[test]
    fn label_filter_supports_kubectl_syntax() {
        let mut l = BTreeMap::new();
        l.insert("app".to_string(), "nginx-ingress".to_string());
        l.insert("tier".to_string(), "front".to_string());
        assert!(LabelFilter::parse("app=nginx-ingress").unwrap().matches(&l));
        assert!(
            LabelFilter::parse("tier in (front,back),!canary")
                .unwrap()
                .matches(&l)
        );
        assert!(
            !LabelFilter::parse("app!=nginx-ingress")
                .unwrap()
                .matches(&l)
        );
        assert!(LabelFilter::parse("app in (x").is_err());
    }
}
