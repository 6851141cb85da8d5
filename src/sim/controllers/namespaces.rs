//! What kube-controller-manager puts in every namespace: the `default` ServiceAccount (the
//! serviceaccount controller) and the `kube-root-ca.crt` ConfigMap (root-ca-cert-publisher).

use serde_json::json;

use crate::sim::cluster::{Cluster, rt};

pub const ROOT_CA: &str = "kube-root-ca.crt";
const ROOT_CA_DESCRIPTION: &str = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

pub fn reconcile(cluster: &Cluster, ns: &str) {
    let Some(namespace) = cluster.store.try_get(rt("", "namespaces"), "", ns) else {
        return;
    };
    if namespace.terminating {
        return;
    }
    let accounts = rt("", "serviceaccounts");
    if cluster.store.try_get(accounts, ns, "default").is_none() {
        let _ = cluster.store.create(
            accounts,
            json!({"metadata": {"name": "default", "namespace": ns}}),
        );
    }
    let maps = rt("", "configmaps");
    let ca = cluster.root_ca();
    if !ca.is_empty() && cluster.store.try_get(maps, ns, ROOT_CA).is_none() {
        let _ = cluster.store.create(
            maps,
            json!({
                "metadata": {"name": ROOT_CA, "namespace": ns, "annotations": {"kubernetes.io/description": ROOT_CA_DESCRIPTION}},
                "data": {"ca.crt": ca},
            }),
        );
    }
}
