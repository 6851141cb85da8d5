//! Synthetic clusters of a given size (`kockpit sim --nodes N --pods N`) for benchmarks:
//! nodes, and deployments of settled, Running pods written straight into the store.

use serde_json::{Value, json};

use super::cluster::{Cluster, rt};
use super::controllers::podutil::template_hash;
use super::defaults;
use super::scenario::{NodeSpec, node_object};
use super::store::{new_uid, now_rfc3339};

const PODS_PER_NAMESPACE: usize = 2_000;
const REPLICAS: usize = 20;

pub fn node_name(i: usize) -> String {
    format!(
        "ip-10-{}-{}-{}.ap-northeast-2.compute.internal",
        16 + (i >> 16) % 200,
        (i >> 8) % 256,
        i % 256
    )
}

fn running_pod(
    name: &str,
    ns: &str,
    labels: &Value,
    owner: &Value,
    spec: &Value,
    (node, ip): (&str, &str),
    now: &str,
) -> Value {
    let mut spec = spec.clone();
    spec["nodeName"] = json!(node);
    let containers: Vec<Value> = spec["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            json!({"name": c["name"], "image": c["image"], "imageID": "", "ready": true, "restartCount": 0, "started": true,
                   "state": {"running": {"startedAt": now}}, "lastState": {}, "containerID": format!("containerd://{}", new_uid().replace('-', ""))})
        })
        .collect();
    let cond = |t: &str| json!({"type": t, "status": "True", "lastProbeTime": null, "lastTransitionTime": now});
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels, "ownerReferences": [owner]},
        "spec": spec,
        "status": {
            "phase": "Running",
            "conditions": [cond("PodReadyToStartContainers"), cond("Initialized"), cond("Ready"), cond("ContainersReady"), cond("PodScheduled")],
            "hostIP": "10.0.0.1",
            "podIP": ip,
            "podIPs": [{"ip": ip}],
            "startTime": now,
            "containerStatuses": containers,
            "qosClass": "Burstable",
        },
    })
}

/// Fills `cluster` with `nodes` nodes and `pods` running pods in deployments of 20.
pub fn populate(cluster: &Cluster, nodes: usize, pods: usize) -> anyhow::Result<()> {
    let err = |e: super::error::ApiError| anyhow::anyhow!(e.message);
    for i in 0..nodes.max(1) {
        let spec = NodeSpec {
            name: node_name(i),
            role: None,
            zone: Some(
                if i % 2 == 0 {
                    "ap-northeast-2a"
                } else {
                    "ap-northeast-2c"
                }
                .into(),
            ),
            instance_type: Some("m5.2xlarge".into()),
            cpu: Some("8".into()),
            memory: Some("32408240Ki".into()),
            ready: true,
            unschedulable: false,
            age: None,
        };
        cluster
            .store
            .create(rt("", "nodes"), node_object(&spec, i))
            .map_err(err)?;
    }
    let namespaces = pods.div_ceil(PODS_PER_NAMESPACE).max(1);
    for n in 0..namespaces {
        cluster.store.create(rt("", "namespaces"), json!({"metadata": {"name": format!("load-{n:03}"), "labels": {"env": "load"}}, "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})).map_err(err)?;
    }
    let now = now_rfc3339();
    let mut made = 0usize;
    let mut d = 0usize;
    while made < pods {
        let replicas = REPLICAS.min(pods - made);
        let ns = format!("load-{:03}", made / PODS_PER_NAMESPACE);
        let name = format!("app-{d:05}");
        let labels = json!({"app": name});
        let mut deploy = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "app", "image": "nginx:1.25", "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}}}]}}},
        });
        defaults::apply(rt("apps", "deployments"), &mut deploy);
        let hash = template_hash(&deploy["spec"]["template"]);
        let status = json!({"observedGeneration": 1, "replicas": replicas, "updatedReplicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas});
        deploy["status"] = status.clone();
        deploy["status"]["conditions"] = json!([
            {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability.", "lastTransitionTime": now, "lastUpdateTime": now},
            {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable", "message": format!("ReplicaSet \"{name}-{hash}\" has successfully progressed."), "lastTransitionTime": now, "lastUpdateTime": now},
        ]);
        deploy["metadata"]["annotations"] = json!({"deployment.kubernetes.io/revision": "1"});
        let dep = cluster
            .store
            .create(rt("apps", "deployments"), deploy.clone())
            .map_err(err)?;
        let mut rs_labels = labels.clone();
        rs_labels["pod-template-hash"] = json!(hash);
        let mut template = deploy["spec"]["template"].clone();
        template["metadata"]["labels"] = rs_labels.clone();
        let rs_name = format!("{name}-{hash}");
        let rs = json!({
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": rs_name, "namespace": ns, "labels": rs_labels, "annotations": {"deployment.kubernetes.io/revision": "1", "deployment.kubernetes.io/desired-replicas": replicas.to_string(), "deployment.kubernetes.io/max-replicas": replicas.to_string()},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": name, "uid": dep.uid, "controller": true, "blockOwnerDeletion": true}]},
            "spec": {"replicas": replicas, "minReadySeconds": 0, "selector": {"matchLabels": rs_labels}, "template": template},
            "status": {"replicas": replicas, "fullyLabeledReplicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas, "observedGeneration": 1},
        });
        let rs_obj = cluster
            .store
            .create(rt("apps", "replicasets"), rs)
            .map_err(err)?;
        let owner = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs_name, "uid": rs_obj.uid, "controller": true, "blockOwnerDeletion": true});
        for r in 0..replicas {
            let i = made + r;
            let pod_name = format!("{rs_name}-{:05}", r);
            let ip = format!("100.{}.{}.{}", 96 + (i >> 16) % 32, (i >> 8) % 256, i % 256);
            let pod = running_pod(
                &pod_name,
                &ns,
                &rs_labels,
                &owner,
                &template["spec"],
                (&node_name(i % nodes.max(1)), &ip),
                &now,
            );
            cluster.store.create(rt("", "pods"), pod).map_err(err)?;
        }
        made += replicas;
        d += 1;
    }
    Ok(())
}
