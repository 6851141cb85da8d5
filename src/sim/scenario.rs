//! Scenarios: YAML files that describe simulated clusters — their users and contexts, nodes,
//! and ordinary Kubernetes manifests — so tests and the demo describe situations, not code.
//! The format is documented in `scenarios/README.md`; `scenarios/default.yaml` is compiled in.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{Credential, User};
use super::cluster::{Cluster, Settings, rt};
use super::controllers::nodes::set_node_ready;
use super::defaults;

pub const DEFAULT: &str = include_str!("scenarios/default.yaml");

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Scenario {
    #[serde(default)]
    pub settings: SettingsSpec,
    pub clusters: Vec<ClusterSpec>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsSpec {
    pub shutdown_seconds: Option<f64>,
    pub start_seconds: Option<f64>,
    pub unreachable_eviction_seconds: Option<f64>,
}

impl SettingsSpec {
    /// These settings where given, `base` elsewhere.
    pub fn over(&self, base: Settings) -> Settings {
        Settings {
            shutdown_seconds: self.shutdown_seconds.unwrap_or(base.shutdown_seconds),
            start_seconds: self.start_seconds.unwrap_or(base.start_seconds),
            unreachable_eviction_seconds: self
                .unreachable_eviction_seconds
                .unwrap_or(base.unreachable_eviction_seconds),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterSpec {
    pub name: String,
    pub users: Vec<UserSpec>,
    pub contexts: Vec<ContextSpec>,
    #[serde(default)]
    pub nodes: Vec<NodeSpec>,
    #[serde(default)]
    pub objects: Vec<Value>,
    /// What happens to the cluster after start; played only when asked (`kockpit sim --timeline`, `kockpit demo`).
    #[serde(default)]
    pub timeline: Option<super::timeline::TimelineSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserSpec {
    pub name: String,
    #[serde(default)]
    pub groups: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContextSpec {
    pub name: String,
    pub user: String,
    #[serde(default)]
    pub namespace: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeSpec {
    pub name: String,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub zone: Option<String>,
    #[serde(default)]
    pub instance_type: Option<String>,
    #[serde(default)]
    pub cpu: Option<String>,
    #[serde(default)]
    pub memory: Option<String>,
    #[serde(default = "yes")]
    pub ready: bool,
    #[serde(default)]
    pub unschedulable: bool,
    /// How long ago the node joined (`212d`, `3h`, `90s`); default: at start.
    #[serde(default)]
    pub age: Option<String>,
}

/// `212d`, `3h`, `15m`, `90s` → seconds.
pub fn parse_age(text: &str) -> anyhow::Result<f64> {
    let t = text.trim();
    let (n, unit) = t.split_at(t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len()));
    let n: f64 = n
        .parse()
        .map_err(|_| anyhow::anyhow!("age {text:?}: expected a number and s, m, h or d"))?;
    let scale = match unit {
        "" | "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        "d" => 86400.0,
        _ => anyhow::bail!("age {text:?}: expected a number and s, m, h or d"),
    };
    Ok(n * scale)
}

impl Scenario {
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        serde_saphyr::from_str(text).map_err(|e| anyhow::anyhow!("{e}"))
    }

    pub fn settings(&self) -> Settings {
        self.settings.over(Settings::default())
    }

    /// The settings of one cluster: its timeline's, when the timeline plays, override the scenario's.
    pub fn cluster_settings(&self, spec: &ClusterSpec, timeline: bool) -> Settings {
        let base = self.settings();
        match &spec.timeline {
            Some(t) if timeline => t.settings.over(base),
            _ => base,
        }
    }
}

/// A context of the kubeconfig the simulator writes: which cluster, which user, which token.
#[derive(Debug, Clone)]
pub struct ContextEntry {
    pub name: String,
    pub cluster: String,
    pub user: String,
    pub token: String,
    pub namespace: Option<String>,
}

fn token() -> String {
    let b: [u8; 24] = rand::random();
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Credentials for the spec's users, and its contexts with their tokens.
pub fn credentials(spec: &ClusterSpec) -> anyhow::Result<(Vec<Credential>, Vec<ContextEntry>)> {
    let creds: Vec<Credential> = spec
        .users
        .iter()
        .map(|u| {
            let mut groups = u.groups.clone();
            groups.push("system:authenticated".into());
            Credential {
                token: token(),
                user: User {
                    name: u.name.clone(),
                    groups,
                },
            }
        })
        .collect();
    let contexts = spec
        .contexts
        .iter()
        .map(|c| {
            let cred = creds
                .iter()
                .find(|cr| cr.user.name == c.user)
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "context {} names user {}, which cluster {} does not define",
                        c.name,
                        c.user,
                        spec.name
                    )
                })?;
            Ok(ContextEntry {
                name: c.name.clone(),
                cluster: spec.name.clone(),
                user: format!("{}-{}", spec.name, c.user),
                token: cred.token.clone(),
                namespace: c.namespace.clone(),
            })
        })
        .collect::<anyhow::Result<_>>()?;
    Ok((creds, contexts))
}

/// `ip-172-20-36-62.ap-northeast-2.compute.internal` → `172.20.36.62` (kops/AWS naming).
pub fn ip_from_name(name: &str) -> Option<String> {
    let host = name.split('.').next()?;
    let parts: Vec<&str> = host.strip_prefix("ip-")?.split('-').collect();
    (parts.len() == 4 && parts.iter().all(|p| p.parse::<u8>().is_ok())).then(|| parts.join("."))
}

pub fn node_object(n: &NodeSpec, index: usize) -> Value {
    let mut node = node_object_now(n, index);
    if let Some(secs) = n.age.as_deref().and_then(|a| parse_age(a).ok()) {
        let created = jiff::Timestamp::now() - jiff::SignedDuration::from_secs_f64(secs);
        node["metadata"]["creationTimestamp"] = json!(
            created
                .round(jiff::Unit::Second)
                .unwrap_or(created)
                .to_string()
        );
    }
    node
}

fn node_object_now(n: &NodeSpec, index: usize) -> Value {
    let control_plane = n
        .role
        .as_deref()
        .is_some_and(|r| r == "control-plane" || r == "master");
    let zone = n.zone.clone().unwrap_or_else(|| "ap-northeast-2a".into());
    let region = zone
        .trim_end_matches(|c: char| c.is_ascii_alphabetic())
        .to_string();
    let ip = ip_from_name(&n.name)
        .unwrap_or_else(|| format!("172.20.{}.{}", 32 + index / 250, 10 + index % 240));
    let cpu = n.cpu.clone().unwrap_or_else(|| "2".into());
    let memory = n.memory.clone().unwrap_or_else(|| "3977496Ki".into());
    let mut labels = json!({
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": n.name,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": n.instance_type.clone().unwrap_or_else(|| "t3.medium".into()),
        "topology.kubernetes.io/region": region,
        "topology.kubernetes.io/zone": zone,
        "kops.k8s.io/instancegroup": if control_plane { format!("control-plane-{zone}") } else { format!("nodes-{zone}") },
    });
    let role_label = if control_plane {
        "node-role.kubernetes.io/control-plane"
    } else {
        "node-role.kubernetes.io/node"
    };
    labels[role_label] = json!("");
    let mut spec = json!({"podCIDR": format!("100.96.{}.0/24", index % 256), "providerID": format!("aws:///{zone}/i-0{:016x}", index as u64 * 7919 + 12345)});
    if control_plane {
        spec["taints"] =
            json!([{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]);
    }
    if n.unschedulable {
        spec["unschedulable"] = json!(true);
    }
    let now = super::store::now_rfc3339();
    let cond = |t: &str, status: &str, reason: &str, message: &str| json!({"type": t, "status": status, "reason": reason, "message": message, "lastHeartbeatTime": now, "lastTransitionTime": now});
    json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": n.name, "labels": labels, "annotations": {"node.alpha.kubernetes.io/ttl": "0", "volumes.kubernetes.io/controller-managed-attach-detach": "true"}},
        "spec": spec,
        "status": {
            "capacity": {"cpu": cpu, "memory": memory, "pods": "110", "ephemeral-storage": "130045936Ki"},
            "allocatable": {"cpu": cpu, "memory": memory, "pods": "110", "ephemeral-storage": "119850776788"},
            "conditions": [
                cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ],
            "addresses": [
                {"type": "InternalIP", "address": ip},
                {"type": "Hostname", "address": n.name},
                {"type": "InternalDNS", "address": n.name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": format!("ec2{:029x}", index as u128 * 104729 + 7),
                "systemUUID": format!("ec2{:05x}-0000-0000-0000-{:012x}", index, index * 31),
                "bootID": super::store::new_uid(),
                "kernelVersion": "6.5.0-1022-aws",
                "osImage": "Ubuntu 22.04.4 LTS",
                "containerRuntimeVersion": "containerd://1.7.16",
                "kubeletVersion": super::discovery::GIT_VERSION,
                "kubeProxyVersion": "",
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
        },
    })
}

const BUILTIN_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public", "kube-node-lease"];

/// Creates a cluster from its spec: namespaces, nodes, then the manifests in file order.
pub fn load(
    spec: &ClusterSpec,
    settings: Settings,
) -> anyhow::Result<(Arc<Cluster>, Vec<ContextEntry>)> {
    let (creds, contexts) = credentials(spec)?;
    if let Some(t) = &spec.timeline {
        super::timeline::validate(t).map_err(|e| anyhow::anyhow!("cluster {}: {e}", spec.name))?;
    }
    let cluster = Cluster::new(&spec.name, creds, settings);
    let declared_ns: Vec<&str> = spec
        .objects
        .iter()
        .filter(|o| o["kind"] == "Namespace")
        .filter_map(|o| o["metadata"]["name"].as_str())
        .collect();
    for ns in BUILTIN_NAMESPACES
        .iter()
        .filter(|n| !declared_ns.contains(n))
    {
        create(
            &cluster,
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
        )?;
    }
    for o in spec.objects.iter().filter(|o| o["kind"] == "Namespace") {
        create(&cluster, o.clone())?;
    }
    for (i, n) in spec.nodes.iter().enumerate() {
        if let Some(a) = &n.age {
            parse_age(a).map_err(|e| anyhow::anyhow!("node {}: {e}", n.name))?;
        }
        create(&cluster, node_object(n, i))?;
    }
    create(
        &cluster,
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "kubernetes", "namespace": "default", "labels": {"component": "apiserver", "provider": "kubernetes"}}, "spec": {"ports": [{"name": "https", "port": 443, "targetPort": 443}], "clusterIP": "100.64.0.1"}}),
    )?;
    for o in spec.objects.iter().filter(|o| o["kind"] != "Namespace") {
        create(&cluster, o.clone())?;
    }
    for n in spec.nodes.iter().filter(|n| !n.ready) {
        set_node_ready(&cluster, &n.name, false);
    }
    Ok((cluster, contexts))
}

fn create(cluster: &Cluster, mut obj: Value) -> anyhow::Result<()> {
    let api_version = obj["apiVersion"].as_str().unwrap_or_default().to_string();
    let kind = obj["kind"].as_str().unwrap_or_default().to_string();
    let name = obj["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let rt = cluster.by_kind(&api_version, &kind).ok_or_else(|| {
        anyhow::anyhow!(
            "scenario object {kind} {name}: unknown apiVersion/kind {api_version}/{kind}"
        )
    })?;
    if rt.namespaced && obj["metadata"]["namespace"].is_null() {
        obj["metadata"]["namespace"] = json!("default");
    }
    defaults::apply(rt, &mut obj);
    let is_crd = kind == "CustomResourceDefinition";
    if is_crd {
        super::crd::fill_status(&mut obj);
    }
    cluster
        .store
        .create(rt, obj)
        .map_err(|e| anyhow::anyhow!("scenario object {kind} {name}: {}", e.message))?;
    if is_crd {
        super::crd::sync(cluster);
    }
    Ok(())
}

/// The namespace objects a cluster holds (for tests of the default scenario).
pub fn namespaces(cluster: &Cluster) -> Vec<String> {
    cluster
        .store
        .list(rt("", "namespaces"), None, None)
        .0
        .iter()
        .map(|o| o.name.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_scenario_parses_with_prod_stg_and_pod_reader() {
        let s = Scenario::parse(DEFAULT).unwrap();
        let names: Vec<_> = s.clusters.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["prod", "stg"]);
        let contexts: Vec<_> = s
            .clusters
            .iter()
            .flat_map(|c| c.contexts.iter().map(|c| c.name.clone()))
            .collect();
        assert!(contexts.contains(&"prod-pod-reader".to_string()));
    }

    #[test]
    fn kops_node_names_give_their_ip() {
        assert_eq!(
            ip_from_name("ip-172-20-36-62.ap-northeast-2.compute.internal").as_deref(),
            Some("172.20.36.62")
        );
        assert_eq!(ip_from_name("node-1"), None);
    }

    #[test]
    fn unknown_scenario_field_is_an_error_naming_it() {
        let err = Scenario::parse("clusters: []\nsetings: {}\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("setings"), "{err}");
    }

    #[test]
    fn node_ages_take_seconds_minutes_hours_or_days() {
        assert_eq!(parse_age("90s").unwrap(), 90.0);
        assert_eq!(parse_age("15m").unwrap(), 900.0);
        assert_eq!(parse_age("212d").unwrap(), 212.0 * 86400.0);
        assert!(parse_age("3w").unwrap_err().to_string().contains("3w"));
    }

    #[test]
    fn timeline_settings_apply_only_while_the_timeline_plays() {
        let s = Scenario::parse(DEFAULT).unwrap();
        let prod = &s.clusters[0];
        assert_eq!(
            s.cluster_settings(prod, false).unreachable_eviction_seconds,
            300.0
        );
        assert_eq!(
            s.cluster_settings(prod, true).unreachable_eviction_seconds,
            5.0
        );
        let stg = &s.clusters[1];
        assert_eq!(
            s.cluster_settings(stg, true).unreachable_eviction_seconds,
            300.0
        );
    }

    #[test]
    fn a_timeline_step_with_two_actions_fails_the_load_naming_the_cluster() {
        let text = "clusters:\n- name: c\n  users: [{name: a}]\n  contexts: [{name: c, user: a}]\n  timeline:\n    steps:\n    - at: 1\n      drain: {node: n}\n      notReady: {node: n}\n";
        let s = Scenario::parse(text).unwrap();
        let err = load(&s.clusters[0], s.settings())
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("cluster c") && err.contains("2 actions"),
            "{err}"
        );
    }

    #[test]
    fn default_scenario_loads_every_object() {
        let s = Scenario::parse(DEFAULT).unwrap();
        for spec in &s.clusters {
            let (cluster, _) = load(spec, s.settings()).unwrap();
            assert!(namespaces(&cluster).contains(&"kube-system".to_string()));
        }
    }
}
