//! Reads for the describe and YAML views: the object fetched fresh when the view opens, shown as
//! `kubectl describe` lays it out (key fields, then the object's events), or as YAML.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Event, Node, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use kube::api::{Api, ListParams};

use super::kinds::KindInfo;
use super::objects;
use crate::printers::age;

/// Whether the typed, kubectl-like describer of a Pod, Node or Deployment applies.
fn rich(kind: &KindInfo) -> Option<&'static str> {
    match (kind.group.as_str(), kind.kind.as_str()) {
        ("", "Pod") => Some("Pod"),
        ("", "Node") => Some("Node"),
        ("apps", "Deployment") => Some("Deployment"),
        _ => None,
    }
}

/// `kubectl describe`-like text for an object of any kind, ending with its events: the rich
/// layout for a Pod, Node or Deployment, kubectl's generic one (a Secret's values as sizes)
/// for the rest.
pub async fn describe(
    client: &kube::Client,
    kind: &KindInfo,
    namespace: &str,
    name: &str,
) -> Result<String, kube::Error> {
    let now = Timestamp::now();
    let mut out = match rich(kind) {
        Some("Pod") => {
            let pod = Api::<Pod>::namespaced(client.clone(), namespace)
                .get(name)
                .await?;
            describe_pod(&pod, now)
        }
        Some("Node") => describe_node(&Api::<Node>::all(client.clone()).get(name).await?),
        Some(_) => describe_deployment(
            &Api::<Deployment>::namespaced(client.clone(), namespace)
                .get(name)
                .await?,
        ),
        None => {
            let object = objects::get(client, kind, namespace, name).await?;
            super::describe_any::describe(&object, kind)
        }
    };
    // A cluster-scoped object's events may be recorded in any namespace: search them all.
    let (events_api, selector) = if kind.namespaced {
        (
            Api::<Event>::namespaced(client.clone(), namespace),
            format!(
                "involvedObject.name={name},involvedObject.namespace={namespace},involvedObject.kind={}",
                kind.kind
            ),
        )
    } else {
        (
            Api::<Event>::all(client.clone()),
            format!(
                "involvedObject.name={name},involvedObject.kind={}",
                kind.kind
            ),
        )
    };
    let events = events_api
        .list(&ListParams::default().fields(&selector))
        .await?;
    let events: Vec<Event> = events
        .items
        .into_iter()
        .filter(|e| {
            e.involved_object
                .kind
                .as_deref()
                .is_none_or(|k| k == kind.kind)
        })
        .collect();
    out.push_str(&events_section(events, now));
    Ok(out)
}

/// The object fetched fresh, without `metadata.managedFields`, as YAML; a Secret's values
/// masked (`••••• (N bytes)`) before the text leaves here.
pub async fn yaml(
    client: &kube::Client,
    kind: &KindInfo,
    namespace: &str,
    name: &str,
) -> Result<String, kube::Error> {
    let mut value = objects::get(client, kind, namespace, name).await?;
    if objects::is_secret(kind) {
        objects::mask_secret(&mut value);
    }
    objects::to_yaml(&value).map_err(|e| kube::Error::SerdeError(serde::ser::Error::custom(e)))
}

/// A Secret with its values decoded, on the operator's explicit request: the text to show and
/// the keys it holds (for the audit log, which never sees a value).
pub async fn reveal(
    client: &kube::Client,
    kind: &KindInfo,
    namespace: &str,
    name: &str,
) -> Result<(String, Vec<String>), kube::Error> {
    let value = objects::get(client, kind, namespace, name).await?;
    Ok(super::describe_any::revealed(&value))
}

/// Label column width, as kubectl aligns the top-level fields.
pub(super) const WIDTH: usize = 16;

pub(super) fn field(out: &mut String, indent: usize, label: &str, value: impl std::fmt::Display) {
    let label = format!("{label}:");
    let pad = WIDTH.saturating_sub(indent).max(label.len() + 1);
    let _ = writeln!(out, "{:indent$}{label:<pad$}{value}", "");
}

/// A map shown one `k=v` per line under its label, `<none>` when empty.
pub(super) fn map_field(
    out: &mut String,
    label: &str,
    map: Option<&BTreeMap<String, String>>,
    sep: &str,
) {
    match map.filter(|m| !m.is_empty()) {
        None => field(out, 0, label, "<none>"),
        Some(m) => {
            for (i, (k, v)) in m.iter().enumerate() {
                let entry = format!("{k}{sep}{v}");
                if i == 0 {
                    field(out, 0, label, entry);
                } else {
                    let _ = writeln!(out, "{:WIDTH$}{entry}", "");
                }
            }
        }
    }
}

pub(super) fn metadata(out: &mut String, m: &ObjectMeta, namespaced: bool) {
    field(out, 0, "Name", m.name.as_deref().unwrap_or_default());
    if namespaced {
        field(
            out,
            0,
            "Namespace",
            m.namespace.as_deref().unwrap_or_default(),
        );
    }
    if let Some(t) = &m.creation_timestamp {
        field(out, 0, "Created", t.0);
    }
    map_field(out, "Labels", m.labels.as_ref(), "=");
    map_field(out, "Annotations", m.annotations.as_ref(), ": ");
    if let Some(t) = &m.deletion_timestamp {
        field(
            out,
            0,
            "Terminating",
            format!(
                "since {} (grace period {}s)",
                t.0,
                m.deletion_grace_period_seconds.unwrap_or(0)
            ),
        );
    }
    if let Some(owner) = m
        .owner_references
        .as_ref()
        .and_then(|o| o.iter().find(|r| r.controller == Some(true)))
    {
        field(
            out,
            0,
            "Controlled By",
            format!("{}/{}", owner.kind, owner.name),
        );
    }
}

fn time(t: Option<&Time>) -> String {
    t.map_or_else(|| "<unknown>".to_string(), |t| t.0.to_string())
}

fn describe_pod(pod: &Pod, now: Timestamp) -> String {
    let mut out = String::new();
    let spec = pod.spec.as_ref();
    let status = pod.status.as_ref();
    metadata(&mut out, &pod.metadata, true);
    let node = spec.and_then(|s| s.node_name.clone()).unwrap_or_default();
    let host_ip = status.and_then(|s| s.host_ip.clone()).unwrap_or_default();
    field(
        &mut out,
        0,
        "Node",
        match (node.is_empty(), host_ip.is_empty()) {
            (true, _) => "<none>".to_string(),
            (false, true) => node,
            (false, false) => format!("{node}/{host_ip}"),
        },
    );
    field(
        &mut out,
        0,
        "Start Time",
        time(status.and_then(|s| s.start_time.as_ref())),
    );
    let phase = status.and_then(|s| s.phase.clone()).unwrap_or_default();
    let shown = if pod.metadata.deletion_timestamp.is_some() {
        format!(
            "Terminating (lasts {})",
            age::since(
                pod.metadata
                    .deletion_timestamp
                    .as_ref()
                    .map_or(now, |t| t.0),
                now
            )
        )
    } else {
        phase
    };
    field(&mut out, 0, "Status", shown);
    if let Some(reason) = status.and_then(|s| s.reason.as_ref()) {
        field(&mut out, 0, "Reason", reason);
    }
    field(
        &mut out,
        0,
        "IP",
        status.and_then(|s| s.pod_ip.clone()).unwrap_or_default(),
    );
    let statuses = status
        .and_then(|s| s.container_statuses.clone())
        .unwrap_or_default();
    out.push_str("Containers:\n");
    for c in spec.map(|s| s.containers.as_slice()).unwrap_or_default() {
        let _ = writeln!(out, "  {}:", c.name);
        field(&mut out, 4, "Image", c.image.as_deref().unwrap_or_default());
        let st = statuses.iter().find(|s| s.name == c.name);
        let state = st.and_then(|s| s.state.as_ref());
        match state {
            Some(s) if s.running.is_some() => {
                field(&mut out, 4, "State", "Running");
                let started = s.running.as_ref().and_then(|r| r.started_at.as_ref());
                field(&mut out, 6, "Started", time(started));
            }
            Some(s) if s.waiting.is_some() => {
                field(&mut out, 4, "State", "Waiting");
                let w = s.waiting.as_ref().and_then(|w| w.reason.clone());
                field(&mut out, 6, "Reason", w.unwrap_or_default());
            }
            Some(s) if s.terminated.is_some() => {
                let t = s.terminated.as_ref().expect("checked");
                field(&mut out, 4, "State", "Terminated");
                field(
                    &mut out,
                    6,
                    "Reason",
                    t.reason.as_deref().unwrap_or_default(),
                );
                field(&mut out, 6, "Exit Code", t.exit_code);
            }
            _ => field(&mut out, 4, "State", "<unknown>"),
        }
        if let Some(last) = st
            .and_then(|s| s.last_state.as_ref())
            .and_then(|l| l.terminated.as_ref())
        {
            field(&mut out, 4, "Last State", "Terminated");
            field(
                &mut out,
                6,
                "Reason",
                last.reason.as_deref().unwrap_or_default(),
            );
            field(&mut out, 6, "Exit Code", last.exit_code);
        }
        field(
            &mut out,
            4,
            "Ready",
            if st.is_some_and(|s| s.ready) {
                "True"
            } else {
                "False"
            },
        );
        field(
            &mut out,
            4,
            "Restart Count",
            st.map_or(0, |s| s.restart_count),
        );
    }
    let conditions: Vec<(String, String)> = status
        .and_then(|s| s.conditions.as_ref())
        .map(|cs| {
            cs.iter()
                .map(|c| (c.type_.clone(), c.status.clone()))
                .collect()
        })
        .unwrap_or_default();
    conditions_section(&mut out, &conditions);
    out
}

fn conditions_section(out: &mut String, conditions: &[(String, String)]) {
    if conditions.is_empty() {
        return;
    }
    out.push_str("Conditions:\n");
    let width = conditions
        .iter()
        .map(|(t, _)| t.len())
        .max()
        .unwrap_or(4)
        .max(4)
        + 2;
    let _ = writeln!(out, "  {:width$}Status", "Type");
    for (t, s) in conditions {
        let _ = writeln!(out, "  {t:width$}{s}");
    }
}

fn describe_node(node: &Node) -> String {
    let mut out = String::new();
    metadata(&mut out, &node.metadata, false);
    let spec = node.spec.as_ref();
    let status = node.status.as_ref();
    let taints: Vec<String> = spec
        .and_then(|s| s.taints.as_ref())
        .map(|ts| {
            ts.iter()
                .map(|t| match &t.value {
                    Some(v) => format!("{}={v}:{}", t.key, t.effect),
                    None => format!("{}:{}", t.key, t.effect),
                })
                .collect()
        })
        .unwrap_or_default();
    if taints.is_empty() {
        field(&mut out, 0, "Taints", "<none>");
    }
    for (i, t) in taints.iter().enumerate() {
        if i == 0 {
            field(&mut out, 0, "Taints", t);
        } else {
            let _ = writeln!(out, "{:WIDTH$}{t}", "");
        }
    }
    field(
        &mut out,
        0,
        "Unschedulable",
        spec.and_then(|s| s.unschedulable).unwrap_or(false),
    );
    let conditions: Vec<(String, String)> = status
        .and_then(|s| s.conditions.as_ref())
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    let detail = match (&c.reason, &c.message) {
                        (Some(r), Some(m)) => format!("  {r}: {m}"),
                        (Some(r), None) => format!("  {r}"),
                        _ => String::new(),
                    };
                    (c.type_.clone(), format!("{}{detail}", c.status))
                })
                .collect()
        })
        .unwrap_or_default();
    conditions_section(&mut out, &conditions);
    if let Some(addresses) = status.and_then(|s| s.addresses.as_ref()) {
        out.push_str("Addresses:\n");
        for a in addresses {
            field(&mut out, 2, &a.type_, &a.address);
        }
    }
    for (label, list) in [
        ("Capacity", status.and_then(|s| s.capacity.as_ref())),
        ("Allocatable", status.and_then(|s| s.allocatable.as_ref())),
    ] {
        if let Some(list) = list {
            let _ = writeln!(out, "{label}:");
            for (k, v) in list {
                field(&mut out, 2, k, &v.0);
            }
        }
    }
    if let Some(info) = status.and_then(|s| s.node_info.as_ref()) {
        out.push_str("System Info:\n");
        field(&mut out, 2, "Kubelet Version", &info.kubelet_version);
        field(&mut out, 2, "OS Image", &info.os_image);
        field(&mut out, 2, "Architecture", &info.architecture);
        field(&mut out, 2, "Runtime", &info.container_runtime_version);
    }
    out
}

fn describe_deployment(d: &Deployment) -> String {
    let mut out = String::new();
    metadata(&mut out, &d.metadata, true);
    let spec = d.spec.as_ref();
    let st = d.status.as_ref();
    let selector = spec
        .and_then(|s| s.selector.match_labels.as_ref())
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    field(&mut out, 0, "Selector", selector);
    let n = |v: Option<i32>| v.unwrap_or(0);
    field(
        &mut out,
        0,
        "Replicas",
        format!(
            "{} desired | {} updated | {} total | {} available | {} unavailable",
            spec.and_then(|s| s.replicas).unwrap_or(1),
            n(st.and_then(|s| s.updated_replicas)),
            n(st.and_then(|s| s.replicas)),
            n(st.and_then(|s| s.available_replicas)),
            n(st.and_then(|s| s.unavailable_replicas)),
        ),
    );
    let strategy = spec.and_then(|s| s.strategy.as_ref());
    field(
        &mut out,
        0,
        "StrategyType",
        strategy
            .and_then(|s| s.type_.clone())
            .unwrap_or_else(|| "RollingUpdate".into()),
    );
    if let Some(ru) = strategy.and_then(|s| s.rolling_update.as_ref()) {
        let show = |v: &Option<k8s_openapi::apimachinery::pkg::util::intstr::IntOrString>| match v {
            Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(i)) => {
                i.to_string()
            }
            Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s)) => s.clone(),
            None => "25%".into(),
        };
        field(
            &mut out,
            0,
            "RollingUpdateStrategy",
            format!(
                "{} max unavailable, {} max surge",
                show(&ru.max_unavailable),
                show(&ru.max_surge)
            ),
        );
    }
    if let Some(pod_spec) = spec.and_then(|s| s.template.spec.as_ref()) {
        out.push_str("Pod Template:\n  Containers:\n");
        for c in &pod_spec.containers {
            let _ = writeln!(out, "   {}:", c.name);
            field(&mut out, 4, "Image", c.image.as_deref().unwrap_or_default());
        }
    }
    let conditions: Vec<(String, String)> = st
        .and_then(|s| s.conditions.as_ref())
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    let reason = c.reason.as_deref().unwrap_or_default();
                    (c.type_.clone(), format!("{}  {reason}", c.status))
                })
                .collect()
        })
        .unwrap_or_default();
    conditions_section(&mut out, &conditions);
    out
}

/// When an event last happened: series, then lastTimestamp, eventTime, firstTimestamp, creation.
fn event_time(e: &Event) -> Option<Timestamp> {
    e.series
        .as_ref()
        .and_then(|s| s.last_observed_time.as_ref().map(|t| t.0))
        .or_else(|| e.last_timestamp.as_ref().map(|t| t.0))
        .or_else(|| e.event_time.as_ref().map(|t| t.0))
        .or_else(|| e.first_timestamp.as_ref().map(|t| t.0))
        .or_else(|| e.metadata.creation_timestamp.as_ref().map(|t| t.0))
}

/// `Events:` as kubectl describe shows them: oldest first, TYPE REASON AGE FROM MESSAGE.
fn events_section(mut events: Vec<Event>, now: Timestamp) -> String {
    if events.is_empty() {
        return "Events:          <none>\n".to_string();
    }
    events.sort_by_key(event_time);
    let rows: Vec<[String; 5]> = events
        .iter()
        .map(|e| {
            let age = event_time(e).map_or_else(|| "<unknown>".into(), |t| age::since(t, now));
            let count = e.count.unwrap_or(1);
            let age = if count > 1 {
                let first = e.first_timestamp.as_ref().map(|t| t.0);
                match first {
                    Some(f) => format!("{age} (x{count} over {})", age::since(f, now)),
                    None => format!("{age} (x{count})"),
                }
            } else {
                age
            };
            let from = e
                .source
                .as_ref()
                .and_then(|s| s.component.clone())
                .or_else(|| e.reporting_component.clone())
                .unwrap_or_default();
            [
                e.type_.clone().unwrap_or_default(),
                e.reason.clone().unwrap_or_default(),
                age,
                from,
                e.message.clone().unwrap_or_default().trim().to_string(),
            ]
        })
        .collect();
    let header = ["Type", "Reason", "Age", "From", "Message"];
    let under = ["----", "------", "----", "----", "-------"];
    let mut widths = [0, 1, 2, 3, 4].map(|i| header[i].len().max(under[i].len()));
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::from("Events:\n");
    let mut line = |cells: [&str; 5]| {
        let mut l = String::from(" ");
        for (i, cell) in cells.iter().enumerate() {
            if i == 4 {
                l.push_str(&format!(" {cell}"));
            } else {
                l.push_str(&format!(" {cell:<w$} ", w = widths[i]));
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(header);
    line(under);
    for r in &rows {
        line([&r[0], &r[1], &r[2], &r[3], &r[4]]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(reason: &str, at: &str, from: &str) -> Event {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": reason},
            "involvedObject": {"kind": "Pod", "name": "p"},
            "type": "Normal",
            "reason": reason,
            "message": format!("{reason} happened"),
            "source": {"component": from},
            "lastTimestamp": at,
        }))
        .unwrap()
    }

    #[test]
    fn events_are_listed_oldest_first_with_kubectl_columns() {
        let now: Timestamp = "2026-01-01T00:10:00Z".parse().unwrap();
        let text = events_section(
            vec![
                event("Started", "2026-01-01T00:09:00Z", "kubelet"),
                event("Scheduled", "2026-01-01T00:08:00Z", "default-scheduler"),
            ],
            now,
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Events:");
        assert!(lines[1].contains("Type") && lines[1].contains("Message"));
        assert!(lines[3].contains("Scheduled") && lines[3].contains("2m"));
        assert!(lines[3].contains("default-scheduler"));
        assert!(lines[4].contains("Started") && lines[4].contains("Started happened"));
    }

    #[test]
    fn no_events_says_none() {
        assert_eq!(
            events_section(vec![], Timestamp::now()),
            "Events:          <none>\n"
        );
    }
}
