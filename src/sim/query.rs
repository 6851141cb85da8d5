//! Query strings, parsed leniently as the apiserver does (kube-rs sends `?&a=b` and `%2C`).

use std::collections::HashMap;

#[derive(Debug, Default, Clone)]
pub struct Query(HashMap<String, String>);

impl Query {
    pub fn parse(q: Option<&str>) -> Self {
        let map = url::form_urlencoded::parse(q.unwrap_or_default().as_bytes())
            .filter(|(k, _)| !k.is_empty())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Query(map)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Present and not `0`/`false`.
    pub fn flag(&self, key: &str) -> bool {
        self.0
            .get(key)
            .is_some_and(|v| !matches!(v.as_str(), "0" | "false" | "False"))
    }

    pub fn number(&self, key: &str) -> Result<Option<i64>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| format!("invalid value for {key}: {v:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kube_rs_style_queries_parse() {
        let q = Query::parse(Some(
            "&watch=true&labelSelector=app%3Dweb%2Ctier%3Dfront&timeoutSeconds=290",
        ));
        assert!(q.flag("watch"));
        assert_eq!(q.get("labelSelector"), Some("app=web,tier=front"));
        assert_eq!(q.number("timeoutSeconds").unwrap(), Some(290));
    }

    #[test]
    fn false_and_zero_flags_are_off() {
        let q = Query::parse(Some("watch=0&follow=false&pretty"));
        assert!(!q.flag("watch"));
        assert!(!q.flag("follow"));
        assert!(q.flag("pretty"));
        assert!(!q.flag("absent"));
    }
}
