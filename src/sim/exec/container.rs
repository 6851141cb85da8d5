//! One simulated container as a process inside it sees it: its environment (the pod spec's
//! env and envFrom, then Kubernetes' service variables), its hostname, the files the kubelet
//! writes (/etc/hosts, /etc/resolv.conf, the service account) and its ConfigMap/Secret volumes,
//! and which shell and tools its image has. Built once per exec session from the pod.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use serde_json::Value;

use super::dns;

/// What the image ships: busybox-based images have `sh` and busybox applets only; anything
/// else is treated as a Debian-like image with bash and curl.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Busybox,
    Debian,
}

impl Flavor {
    pub fn of_image(image: &str) -> Flavor {
        let name = image.rsplit('/').next().unwrap_or(image);
        if name.starts_with("busybox") || name.starts_with("alpine") {
            Flavor::Busybox
        } else {
            Flavor::Debian
        }
    }

    /// Whether the image has `program` at all (builtins missing from it are "not found").
    pub fn has(self, program: &str) -> bool {
        !(self == Flavor::Busybox && matches!(program, "bash" | "curl"))
    }
}

pub const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Looks up `(plural, namespace, name)` in the store: ConfigMaps and Secrets for env and volumes.
pub type Lookup<'a> = &'a dyn Fn(&str, &str, &str) -> Option<Value>;

#[derive(Debug, Clone)]
pub struct Container {
    pub namespace: String,
    pub pod: String,
    pub name: String,
    pub image: String,
    pub flavor: Flavor,
    pub pod_ip: String,
    pub hostname: String,
    /// The whole pod, as the network decisions need it (labels, ports).
    pub pod_object: Value,
    /// The command line of PID 1.
    pub main: String,
    pub env: Vec<(String, String)>,
    pub files: BTreeMap<String, String>,
    pub dirs: BTreeSet<String>,
}

fn str_of<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    path.iter()
        .fold(v, |v, k| &v[*k])
        .as_str()
        .unwrap_or_default()
}

/// `$(VAR)` references in an env value, expanded from the variables defined before it.
fn expand_refs(value: &str, defined: &[(String, String)]) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(i) = rest.find("$(") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        match after.find(')') {
            Some(j) => {
                let name = &after[..j];
                match defined.iter().rev().find(|(k, _)| k == name) {
                    Some((_, v)) => out.push_str(v),
                    None => out.push_str(&rest[i..i + 3 + j]),
                }
                rest = &after[j + 1..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

fn field_ref(pod: &Value, path: &str) -> Option<String> {
    let simple = match path {
        "metadata.name" => str_of(pod, &["metadata", "name"]),
        "metadata.namespace" => str_of(pod, &["metadata", "namespace"]),
        "metadata.uid" => str_of(pod, &["metadata", "uid"]),
        "spec.nodeName" => str_of(pod, &["spec", "nodeName"]),
        "spec.serviceAccountName" => str_of(pod, &["spec", "serviceAccountName"]),
        "status.podIP" => str_of(pod, &["status", "podIP"]),
        "status.hostIP" => str_of(pod, &["status", "hostIP"]),
        _ => {
            let (map, key) = path
                .strip_prefix("metadata.labels['")
                .map(|k| ("labels", k))
                .or_else(|| {
                    path.strip_prefix("metadata.annotations['")
                        .map(|k| ("annotations", k))
                })?;
            let key = key.strip_suffix("']")?;
            return pod["metadata"][map][key].as_str().map(str::to_string);
        }
    };
    Some(simple.to_string())
}

/// The text values of a ConfigMap (`data`) or Secret (`data`, base64-decoded).
fn key_values(plural: &str, obj: &Value) -> Vec<(String, String)> {
    let decode = |v: &Value| {
        let s = v.as_str().unwrap_or_default();
        if plural == "secrets" {
            base64::engine::general_purpose::STANDARD
                .decode(s)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default()
        } else {
            s.to_string()
        }
    };
    let mut out: Vec<(String, String)> = obj["data"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), decode(v)))
        .collect();
    if plural == "secrets" {
        for (k, v) in obj["stringData"].as_object().into_iter().flatten() {
            out.push((k.clone(), v.as_str().unwrap_or_default().to_string()));
        }
    }
    out
}

fn set(env: &mut Vec<(String, String)>, k: String, v: String) {
    match env.iter_mut().find(|(name, _)| *name == k) {
        Some(e) => e.1 = v,
        None => env.push((k, v)),
    }
}

/// The container's own variables: `envFrom` first, then `env` (which overrides), as the kubelet.
pub fn spec_environment(pod: &Value, container: &Value, lookup: Lookup) -> Vec<(String, String)> {
    let ns = str_of(pod, &["metadata", "namespace"]);
    let mut env: Vec<(String, String)> = Vec::new();
    for from in container["envFrom"].as_array().into_iter().flatten() {
        let prefix = from["prefix"].as_str().unwrap_or_default();
        let (plural, r) = if from["secretRef"].is_object() {
            ("secrets", &from["secretRef"])
        } else {
            ("configmaps", &from["configMapRef"])
        };
        if let Some(obj) = lookup(plural, ns, r["name"].as_str().unwrap_or_default()) {
            for (k, v) in key_values(plural, &obj) {
                set(&mut env, format!("{prefix}{k}"), v);
            }
        }
    }
    for e in container["env"].as_array().into_iter().flatten() {
        let name = e["name"].as_str().unwrap_or_default().to_string();
        let from = &e["valueFrom"];
        let value = if let Some(v) = e["value"].as_str() {
            Some(expand_refs(v, &env))
        } else if let Some(path) = from["fieldRef"]["fieldPath"].as_str() {
            field_ref(pod, path)
        } else if from["secretKeyRef"].is_object() || from["configMapKeyRef"].is_object() {
            let (plural, r) = if from["secretKeyRef"].is_object() {
                ("secrets", &from["secretKeyRef"])
            } else {
                ("configmaps", &from["configMapKeyRef"])
            };
            let key = r["key"].as_str().unwrap_or_default();
            lookup(plural, ns, r["name"].as_str().unwrap_or_default()).and_then(|o| {
                key_values(plural, &o)
                    .into_iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v)
            })
        } else if e.get("value").is_some() || e.as_object().is_some_and(|o| o.len() == 1) {
            Some(String::new())
        } else {
            None
        };
        if let Some(v) = value {
            set(&mut env, name, v);
        }
    }
    env
}

/// The docker-links variables of one service: `<NAME>_SERVICE_HOST`, `_SERVICE_PORT`,
/// `_SERVICE_PORT_<PORTNAME>`, `<NAME>_PORT` and `<NAME>_PORT_<port>_<PROTO>[_PROTO|_PORT|_ADDR]`.
pub fn service_variables(svc: &Value) -> Vec<(String, String)> {
    let name = str_of(svc, &["metadata", "name"])
        .to_ascii_uppercase()
        .replace('-', "_");
    let ip = str_of(svc, &["spec", "clusterIP"]);
    let ports: Vec<&Value> = svc["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let mut out = vec![(format!("{name}_SERVICE_HOST"), ip.to_string())];
    let Some(first) = ports.first() else {
        return out;
    };
    let port_of = |p: &Value| p["port"].as_i64().unwrap_or_default();
    out.push((format!("{name}_SERVICE_PORT"), port_of(first).to_string()));
    for p in &ports {
        if let Some(pn) = p["name"].as_str().filter(|n| !n.is_empty()) {
            out.push((
                format!(
                    "{name}_SERVICE_PORT_{}",
                    pn.to_ascii_uppercase().replace('-', "_")
                ),
                port_of(p).to_string(),
            ));
        }
    }
    let proto_of = |p: &Value| p["protocol"].as_str().unwrap_or("TCP").to_ascii_lowercase();
    out.push((
        format!("{name}_PORT"),
        format!("{}://{ip}:{}", proto_of(first), port_of(first)),
    ));
    for p in &ports {
        let (port, proto) = (port_of(p), proto_of(p));
        let base = format!("{name}_PORT_{port}_{}", proto.to_ascii_uppercase());
        out.push((base.clone(), format!("{proto}://{ip}:{port}")));
        out.push((format!("{base}_PROTO"), proto.clone()));
        out.push((format!("{base}_PORT"), port.to_string()));
        out.push((format!("{base}_ADDR"), ip.to_string()));
    }
    out
}

/// The services whose variables a pod gets: `default/kubernetes` always, the pod's own
/// namespace's too unless `enableServiceLinks: false`; only those with a ClusterIP that existed
/// when the container started.
pub fn visible_services<'a>(pod: &Value, started: &str, services: &'a [Value]) -> Vec<&'a Value> {
    let ns = str_of(pod, &["metadata", "namespace"]);
    let links = pod["spec"]["enableServiceLinks"] != false;
    let mut out: Vec<&Value> = services
        .iter()
        .filter(|s| {
            let sns = str_of(s, &["metadata", "namespace"]);
            let sname = str_of(s, &["metadata", "name"]);
            let wanted = (sns == "default" && sname == "kubernetes") || (links && sns == ns);
            let created = str_of(s, &["metadata", "creationTimestamp"]);
            wanted
                && !super::network::is_headless(s)
                && (started.is_empty() || created.is_empty() || created <= started)
        })
        .collect();
    out.sort_by_key(|s| str_of(s, &["metadata", "name"]).to_string());
    out
}

/// `/etc/hosts` as the kubelet manages it.
pub fn hosts_file(ip: &str, hostname: &str, fqdn: Option<&str>) -> String {
    let own = match fqdn {
        Some(f) => format!("{ip}\t{f}\t{hostname}"),
        None => format!("{ip}\t{hostname}"),
    };
    format!(
        "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n{own}\n"
    )
}

/// Everything a session needs to know about `container_name` of `pod`.
pub fn build(
    pod: &Value,
    container_name: &str,
    services: &[Value],
    dns_ip: &str,
    root_ca: &str,
    lookup: Lookup,
) -> Container {
    let spec = pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(
            pod["spec"]["initContainers"]
                .as_array()
                .into_iter()
                .flatten(),
        )
        .find(|c| c["name"] == container_name)
        .cloned()
        .unwrap_or(Value::Null);
    let ns = str_of(pod, &["metadata", "namespace"]).to_string();
    let pod_name = str_of(pod, &["metadata", "name"]).to_string();
    let image = spec["image"].as_str().unwrap_or("busybox").to_string();
    let hostname = pod["spec"]["hostname"]
        .as_str()
        .filter(|h| !h.is_empty())
        .unwrap_or(&pod_name)
        .to_string();
    let pod_ip = str_of(pod, &["status", "podIP"]).to_string();
    let started = pod["status"]["containerStatuses"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["name"] == container_name)
        .and_then(|s| s["state"]["running"]["startedAt"].as_str())
        .unwrap_or_default()
        .to_string();

    let mut env = vec![
        ("PATH".to_string(), PATH.to_string()),
        ("HOSTNAME".to_string(), hostname.clone()),
    ];
    for (k, v) in spec_environment(pod, &spec, lookup) {
        set(&mut env, k, v);
    }
    let mut svc_env: Vec<(String, String)> = visible_services(pod, &started, services)
        .into_iter()
        .flat_map(service_variables)
        .collect();
    svc_env.sort();
    for (k, v) in svc_env {
        if !env.iter().any(|(name, _)| *name == k) {
            env.push((k, v));
        }
    }
    if !env.iter().any(|(k, _)| k == "HOME") {
        env.push(("HOME".to_string(), "/root".to_string()));
    }

    let main: Vec<String> = spec["command"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(spec["args"].as_array().into_iter().flatten())
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let main = if main.is_empty() {
        image
            .rsplit('/')
            .next()
            .unwrap_or(&image)
            .split(':')
            .next()
            .unwrap_or_default()
            .to_string()
    } else {
        main.join(" ")
    };

    let subdomain = pod["spec"]["subdomain"].as_str().filter(|s| !s.is_empty());
    let fqdn = subdomain.map(|s| format!("{hostname}.{s}.{ns}.svc.{}", dns::CLUSTER_DOMAIN));
    let mut files = BTreeMap::new();
    let mut dirs: BTreeSet<String> = [
        "/",
        "/bin",
        "/dev",
        "/etc",
        "/home",
        "/proc",
        "/root",
        "/sys",
        "/tmp",
        "/usr",
        "/var",
        "/var/run",
        "/var/run/secrets",
        "/var/run/secrets/kubernetes.io",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    files.insert(
        "/etc/hosts".into(),
        hosts_file(&pod_ip, &hostname, fqdn.as_deref()),
    );
    files.insert("/etc/resolv.conf".into(), dns::resolv_conf(&ns, dns_ip));
    files.insert("/etc/hostname".into(), format!("{hostname}\n"));
    files.insert(
        "/etc/passwd".into(),
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n".into(),
    );
    if pod["spec"]["automountServiceAccountToken"] != false {
        let sa = "/var/run/secrets/kubernetes.io/serviceaccount";
        dirs.insert(sa.into());
        files.insert(format!("{sa}/namespace"), ns.clone());
        files.insert(format!("{sa}/ca.crt"), root_ca.to_string());
        files.insert(
            format!("{sa}/token"),
            "eyJhbGciOiJSUzI1NiIsImtpZCI6InNpbXVsYXRlZCJ9.c2ltdWxhdGVk.c2lnbmF0dXJl".into(),
        );
    }
    let volumes: Vec<&Value> = pod["spec"]["volumes"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    for m in spec["volumeMounts"].as_array().into_iter().flatten() {
        let path = str_of(m, &["mountPath"]).trim_end_matches('/').to_string();
        if path.is_empty() {
            continue;
        }
        let mut p = path.as_str();
        while let Some((parent, _)) = p.rsplit_once('/') {
            dirs.insert(if parent.is_empty() {
                "/".into()
            } else {
                parent.to_string()
            });
            p = parent;
        }
        dirs.insert(path.clone());
        let Some(vol) = volumes.iter().find(|v| v["name"] == m["name"]) else {
            continue;
        };
        let source = if vol["configMap"].is_object() {
            Some(("configmaps", str_of(vol, &["configMap", "name"])))
        } else if vol["secret"].is_object() {
            Some(("secrets", str_of(vol, &["secret", "secretName"])))
        } else {
            None
        };
        if let Some((plural, name)) = source
            && let Some(obj) = lookup(plural, &ns, name)
        {
            for (k, v) in key_values(plural, &obj) {
                files.insert(format!("{path}/{k}"), v);
            }
        }
    }

    Container {
        namespace: ns,
        pod: pod_name,
        name: container_name.to_string(),
        flavor: Flavor::of_image(&image),
        image,
        pod_ip,
        hostname,
        pod_object: pod.clone(),
        main,
        env,
        files,
        dirs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn no_lookup(_: &str, _: &str, _: &str) -> Option<Value> {
        None
    }

    #[test]
    fn service_variables_follow_the_docker_links_form() {
        let svc = json!({"metadata": {"name": "kube-dns"}, "spec": {"clusterIP": "100.64.0.10",
            "ports": [{"name": "dns", "port": 53, "protocol": "UDP"}, {"name": "dns-tcp", "port": 53, "protocol": "TCP"}]}});
        let vars = service_variables(&svc);
        let get = |k: &str| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("KUBE_DNS_SERVICE_HOST"), Some("100.64.0.10"));
        assert_eq!(get("KUBE_DNS_SERVICE_PORT"), Some("53"));
        assert_eq!(get("KUBE_DNS_SERVICE_PORT_DNS_TCP"), Some("53"));
        assert_eq!(get("KUBE_DNS_PORT"), Some("udp://100.64.0.10:53"));
        assert_eq!(get("KUBE_DNS_PORT_53_TCP_ADDR"), Some("100.64.0.10"));
        assert_eq!(get("KUBE_DNS_PORT_53_UDP_PROTO"), Some("udp"));
    }

    #[test]
    fn pods_see_their_namespace_services_that_existed_when_they_started() {
        let pod = json!({"metadata": {"name": "p", "namespace": "prod"}, "spec": {}});
        let svc = |ns: &str, name: &str, at: &str, ip: &str| json!({"metadata": {"name": name, "namespace": ns, "creationTimestamp": at}, "spec": {"clusterIP": ip}});
        let services = vec![
            svc(
                "default",
                "kubernetes",
                "2025-01-01T00:00:00Z",
                "100.64.0.1",
            ),
            svc("default", "other", "2025-01-01T00:00:00Z", "100.64.0.2"),
            svc("prod", "web", "2025-01-01T00:00:00Z", "100.64.0.3"),
            svc("prod", "later", "2025-01-02T00:00:00Z", "100.64.0.4"),
            svc("prod", "headless", "2025-01-01T00:00:00Z", "None"),
        ];
        let names: Vec<&str> = visible_services(&pod, "2025-01-01T12:00:00Z", &services)
            .iter()
            .map(|s| s["metadata"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["kubernetes", "web"]);
    }

    #[test]
    fn env_resolves_field_refs_secrets_and_references() {
        let pod = json!({"metadata": {"name": "p", "namespace": "ns", "labels": {"app": "x"}}, "status": {"podIP": "100.96.0.9"}});
        let container = json!({"envFrom": [{"secretRef": {"name": "creds"}}], "env": [
            {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
            {"name": "IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
            {"name": "APP", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}},
            {"name": "URL", "value": "http://$(IP):80/$(NOPE)"},
        ]});
        let lookup = |plural: &str, _: &str, name: &str| {
            (plural == "secrets" && name == "creds")
                .then(|| json!({"data": {"PASSWORD": "czNjcjN0"}}))
        };
        let env = spec_environment(&pod, &container, &lookup);
        assert_eq!(
            env,
            vec![
                ("PASSWORD".into(), "s3cr3t".into()),
                ("POD_NAMESPACE".into(), "ns".into()),
                ("IP".into(), "100.96.0.9".into()),
                ("APP".into(), "x".into()),
                ("URL".into(), "http://100.96.0.9:80/$(NOPE)".into()),
            ]
        );
    }

    #[test]
    fn a_statefulset_pod_has_its_fqdn_in_etc_hosts_and_mounted_config() {
        let pod = json!({"metadata": {"name": "pg-0", "namespace": "db"},
            "spec": {"hostname": "pg-0", "subdomain": "pg", "volumes": [{"name": "c", "configMap": {"name": "cfg"}}],
                     "containers": [{"name": "pg", "image": "postgres:16", "volumeMounts": [{"name": "c", "mountPath": "/etc/pg"}]}]},
            "status": {"podIP": "100.96.1.1"}});
        let lookup = |plural: &str, _: &str, _: &str| {
            (plural == "configmaps").then(|| json!({"data": {"pg.conf": "x = 1\n"}}))
        };
        let c = build(&pod, "pg", &[], "100.64.0.10", "CA", &lookup);
        assert!(
            c.files["/etc/hosts"].ends_with("100.96.1.1\tpg-0.pg.db.svc.cluster.local\tpg-0\n")
        );
        assert_eq!(c.files["/etc/pg/pg.conf"], "x = 1\n");
        assert!(c.dirs.contains("/etc/pg"));
        assert_eq!(c.flavor, Flavor::Debian);
        assert_eq!(c.main, "postgres");
        let plain = build(&pod, "nope", &[], "100.64.0.10", "CA", &no_lookup);
        assert_eq!(plain.env.first().unwrap().0, "PATH");
        assert_eq!(
            plain.env.last().unwrap(),
            &("HOME".to_string(), "/root".to_string())
        );
    }
}
