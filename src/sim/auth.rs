//! Authentication (bearer tokens) and RBAC authorization against the cluster's own
//! ClusterRoles, Roles and their bindings, as the apiserver's RBAC authorizer decides.

use serde_json::Value;

use super::resources;
use super::store::Store;

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub name: String,
    pub groups: Vec<String>,
}

impl User {
    pub fn is_admin(&self) -> bool {
        self.groups.iter().any(|g| g == "system:masters")
    }
}

/// A token the simulator accepts, and who it belongs to.
#[derive(Debug, Clone)]
pub struct Credential {
    pub token: String,
    pub user: User,
}

pub fn authenticate(credentials: &[Credential], authorization: Option<&str>) -> Option<User> {
    let token = authorization?.strip_prefix("Bearer ")?.trim();
    credentials
        .iter()
        .find(|c| c.token == token)
        .map(|c| c.user.clone())
}

/// What a request wants to do, in RBAC's terms.
#[derive(Debug, Clone)]
pub struct Attributes<'a> {
    pub verb: &'a str,
    pub group: &'a str,
    pub resource: &'a str,
    pub subresource: Option<&'a str>,
    pub namespace: Option<&'a str>,
    pub name: Option<&'a str>,
}

fn matches_any(list: &Value, wanted: &str) -> bool {
    list.as_array()
        .is_some_and(|l| l.iter().any(|v| v == "*" || v == wanted))
}

fn rule_allows(rule: &Value, a: &Attributes) -> bool {
    let resource = match a.subresource {
        Some(s) => format!("{}/{s}", a.resource),
        None => a.resource.to_string(),
    };
    let names_ok = rule["resourceNames"]
        .as_array()
        .is_none_or(|n| n.is_empty() || a.name.is_some_and(|name| n.iter().any(|v| v == name)));
    matches_any(&rule["verbs"], a.verb)
        && matches_any(&rule["apiGroups"], a.group)
        && matches_any(&rule["resources"], &resource)
        && names_ok
}

fn subject_is(subject: &Value, user: &User) -> bool {
    match subject["kind"].as_str() {
        Some("User") => subject["name"] == user.name.as_str(),
        Some("Group") => user.groups.iter().any(|g| subject["name"] == g.as_str()),
        Some("ServiceAccount") => {
            let sa = format!(
                "system:serviceaccount:{}:{}",
                subject["namespace"].as_str().unwrap_or_default(),
                subject["name"].as_str().unwrap_or_default()
            );
            sa == user.name
        }
        _ => false,
    }
}

fn role_rules(store: &Store, role_ref: &Value, namespace: &str) -> Vec<Value> {
    let name = role_ref["name"].as_str().unwrap_or_default();
    let (rt, ns) = match role_ref["kind"].as_str() {
        Some("ClusterRole") => (
            resources::find("rbac.authorization.k8s.io", "v1", "clusterroles"),
            "",
        ),
        _ => (
            resources::find("rbac.authorization.k8s.io", "v1", "roles"),
            namespace,
        ),
    };
    rt.and_then(|rt| store.try_get(rt, ns, name))
        .map(|o| o.value()["rules"].as_array().cloned().unwrap_or_default())
        .unwrap_or_default()
}

pub fn authorize(store: &Store, user: &User, a: &Attributes) -> bool {
    if user.is_admin() {
        return true;
    }
    let crb =
        resources::find("rbac.authorization.k8s.io", "v1", "clusterrolebindings").expect("known");
    let (bindings, _) = store.list(crb, None, None);
    let mut allowed = bindings.iter().any(|b| {
        let b = b.value();
        b["subjects"]
            .as_array()
            .is_some_and(|s| s.iter().any(|s| subject_is(s, user)))
            && role_rules(store, &b["roleRef"], "")
                .iter()
                .any(|r| rule_allows(r, a))
    });
    if !allowed && let Some(ns) = a.namespace.filter(|n| !n.is_empty()) {
        let rb = resources::find("rbac.authorization.k8s.io", "v1", "rolebindings").expect("known");
        let (bindings, _) = store.list(rb, Some(ns), None);
        allowed = bindings.iter().any(|b| {
            let b = b.value();
            b["subjects"]
                .as_array()
                .is_some_and(|s| s.iter().any(|s| subject_is(s, user)))
                && role_rules(store, &b["roleRef"], ns)
                    .iter()
                    .any(|r| rule_allows(r, a))
        });
    }
    allowed
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn store_with_pod_reader() -> Store {
        let s = Store::new();
        let cr = resources::find("rbac.authorization.k8s.io", "v1", "clusterroles").unwrap();
        let crb =
            resources::find("rbac.authorization.k8s.io", "v1", "clusterrolebindings").unwrap();
        s.create(cr, json!({"metadata":{"name":"pod-reader"},"rules":[{"apiGroups":[""],"resources":["pods","pods/log"],"verbs":["get","list","watch"]}]})).unwrap();
        s.create(crb, json!({"metadata":{"name":"pod-reader"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"pod-reader"},"subjects":[{"kind":"User","name":"pod-reader"}]})).unwrap();
        s
    }

    fn attrs<'a>(verb: &'a str, group: &'a str, resource: &'a str) -> Attributes<'a> {
        Attributes {
            verb,
            group,
            resource,
            subresource: None,
            namespace: None,
            name: None,
        }
    }

    #[test]
    fn pod_reader_may_list_pods_but_not_deployments() {
        let s = store_with_pod_reader();
        let u = User {
            name: "pod-reader".into(),
            groups: vec!["system:authenticated".into()],
        };
        assert!(authorize(&s, &u, &attrs("list", "", "pods")));
        assert!(!authorize(&s, &u, &attrs("list", "apps", "deployments")));
        assert!(!authorize(&s, &u, &attrs("delete", "", "pods")));
    }

    #[test]
    fn masters_may_do_anything() {
        let s = Store::new();
        let u = User {
            name: "admin".into(),
            groups: vec!["system:masters".into()],
        };
        assert!(authorize(&s, &u, &attrs("delete", "apps", "deployments")));
    }

    #[test]
    fn tokens_identify_users() {
        let creds = vec![Credential {
            token: "t1".into(),
            user: User {
                name: "a".into(),
                groups: vec![],
            },
        }];
        assert_eq!(authenticate(&creds, Some("Bearer t1")).unwrap().name, "a");
        assert!(authenticate(&creds, Some("Bearer nope")).is_none());
        assert!(authenticate(&creds, None).is_none());
    }
}
