//! The `/` filter (substring, or regex when it parses as one and contains regex syntax) and the
//! label-selector filter, as pure predicates over row text and labels.

use std::collections::BTreeMap;

use regex::Regex;

use crate::selector::LabelSelector;

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
        let (h, n) = (haystack.as_bytes(), needle_lower.as_bytes());
        let Some((&first, rest)) = n.split_first() else {
            return true;
        };
        if h.len() < n.len() {
            return false;
        }
        // Compare the rest only where the first byte matches: a table rebuild runs this on
        // five fields of every row, for each key typed into `/`.
        let upper = first.to_ascii_uppercase();
        (0..=h.len() - n.len()).any(|i| {
            (h[i] == first || h[i] == upper) && h[i + 1..i + n.len()].eq_ignore_ascii_case(rest)
        })
    } else {
        haystack.to_lowercase().contains(needle_lower)
    }
}

/// A label selector as kubectl's `-l` takes it: the apiserver's parser (`crate::selector`), so
/// the `L` filter accepts exactly what `kubectl get -l` would.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelFilter {
    pub text: String,
    selector: LabelSelector,
}

impl LabelFilter {
    pub fn parse(text: &str) -> Result<Self, String> {
        Ok(LabelFilter {
            text: text.trim().to_string(),
            selector: LabelSelector::parse(text)?,
        })
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.selector.matches(labels)
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
    fn substring_matches_anywhere_in_any_case() {
        let f = TextFilter::new("aPp-0");
        for (h, want) in [
            ("app-00123", true),
            ("my-APP-0", true),
            ("aapp-0", true),
            ("app-", false),
            ("ap", false),
            ("", false),
            ("xxapp-1app-0", true),
        ] {
            assert_eq!(f.matches(h), want, "{h}");
        }
        assert!(TextFilter::new("ü").matches("Über-ü"), "non-ASCII text");
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
