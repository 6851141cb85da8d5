//! Which namespaces the tables show: all of them, or a set (`-n a,b`, `:ns a,b`).

use std::fmt;

/// Empty is every namespace. Kept sorted and without duplicates so two scopes compare equal
/// however they were typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Namespaces(Vec<String>);

impl Namespaces {
    pub fn all() -> Self {
        Namespaces(Vec::new())
    }

    pub fn one(ns: &str) -> Self {
        Self::parse(ns)
    }

    /// `a,b`, `a, b` or `a b`; `all`, `-A` and `*` (or nothing) mean every namespace.
    pub fn parse(text: &str) -> Self {
        let mut v: Vec<String> = text
            .split(|c: char| c == ',' || c.is_whitespace())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        if v.iter().any(|s| s == "all" || s == "-A" || s == "*") {
            return Self::all();
        }
        v.sort();
        v.dedup();
        Namespaces(v)
    }

    pub fn is_all(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether a row of namespace `ns` is shown; cluster-scoped rows (`""`) always are.
    pub fn admits(&self, ns: &str) -> bool {
        self.0.is_empty() || ns.is_empty() || self.0.iter().any(|n| n == ns)
    }

    /// The one namespace, when exactly one is chosen (a default for commands that need one).
    pub fn single(&self) -> Option<&str> {
        match self.0.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    pub fn list(&self) -> &[String] {
        &self.0
    }
}

impl fmt::Display for Namespaces {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("all namespaces")
        } else {
            f.write_str(&self.0.join(","))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commas_and_spaces_separate_and_order_does_not_matter() {
        assert_eq!(Namespaces::parse("b,a"), Namespaces::parse(" a , b "));
        assert_eq!(Namespaces::parse("a b a").list(), ["a", "b"]);
        assert_eq!(Namespaces::parse("b,a").to_string(), "a,b");
    }

    #[test]
    fn all_in_any_spelling_is_every_namespace() {
        for t in ["", "all", "-A", "*", "a,all"] {
            assert!(Namespaces::parse(t).is_all(), "{t:?}");
        }
        assert_eq!(Namespaces::all().to_string(), "all namespaces");
    }

    #[test]
    fn a_set_admits_its_members_and_cluster_scoped_rows_only() {
        let ns = Namespaces::parse("kubeapps,postgres");
        assert!(ns.admits("kubeapps") && ns.admits("postgres") && ns.admits(""));
        assert!(!ns.admits("default") && !ns.admits("kube"));
        assert!(Namespaces::all().admits("anything"));
    }

    #[test]
    fn single_only_for_exactly_one() {
        assert_eq!(Namespaces::one("a").single(), Some("a"));
        assert_eq!(Namespaces::parse("a,b").single(), None);
        assert_eq!(Namespaces::all().single(), None);
    }
}
