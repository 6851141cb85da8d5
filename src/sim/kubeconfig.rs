//! The kubeconfig the simulator writes for its clusters and contexts.

use base64::Engine;
use serde_json::json;

use super::scenario::ContextEntry;

/// Pure: kubeconfig YAML (JSON is valid YAML) for `clusters` (name, server URL) and `contexts`.
pub fn render(clusters: &[(String, String)], contexts: &[ContextEntry], ca_pem: &str) -> String {
    let ca = base64::engine::general_purpose::STANDARD.encode(ca_pem);
    let clusters: Vec<_> = clusters
        .iter()
        .map(|(name, server)| json!({"name": name, "cluster": {"server": server, "certificate-authority-data": ca}}))
        .collect();
    let mut users: Vec<serde_json::Value> = Vec::new();
    for c in contexts {
        if !users.iter().any(|u| u["name"] == c.user.as_str()) {
            users.push(json!({"name": c.user, "user": {"token": c.token}}));
        }
    }
    let ctxs: Vec<_> = contexts
        .iter()
        .map(|c| {
            let mut ctx = json!({"cluster": c.cluster, "user": c.user});
            if let Some(ns) = &c.namespace {
                ctx["namespace"] = json!(ns);
            }
            json!({"name": c.name, "context": ctx})
        })
        .collect();
    let current = contexts.first().map(|c| c.name.clone()).unwrap_or_default();
    let doc = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": clusters,
        "users": users,
        "contexts": ctxs,
        "current-context": current,
    });
    serde_json::to_string_pretty(&doc).expect("serialisable")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_share_a_cluster_and_keep_their_own_users() {
        let contexts = vec![
            ContextEntry {
                name: "prod".into(),
                cluster: "prod".into(),
                user: "prod-admin".into(),
                token: "a".into(),
                namespace: None,
            },
            ContextEntry {
                name: "prod-pod-reader".into(),
                cluster: "prod".into(),
                user: "prod-pod-reader".into(),
                token: "b".into(),
                namespace: None,
            },
        ];
        let text = render(
            &[("prod".into(), "https://127.0.0.1:1".into())],
            &contexts,
            "PEM",
        );
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["users"].as_array().unwrap().len(), 2);
        assert_eq!(v["current-context"], "prod");
        assert_eq!(v["contexts"][1]["context"]["cluster"], "prod");
    }
}
