//! The REST verbs on resources: get, list, create, update, patch, delete, scale and eviction.
//! Watches, logs and port-forwards are streams and live in their own modules.

use std::sync::Arc;

use base64::Engine;
use bytes::Bytes;
use http::Response;
use serde_json::{Value, json};

use super::cluster::{Cluster, rt};
use super::controllers::{pdb, podutil};
use super::defaults;
use super::error::ApiError;
use super::http::{self as h, Body};
use super::metrics;
use super::patch::{self, PatchType};
use super::query::Query;
use super::resources::ResourceType;
use super::route::Target;
use super::selector::FieldSelector;
use super::store::{Object, now_rfc3339};
use super::table::{self, IncludeObject, Representation};
use crate::selector::LabelSelector;

pub struct Selectors {
    pub labels: LabelSelector,
    pub fields: FieldSelector,
}

impl Selectors {
    pub fn parse(rt: &ResourceType, q: &Query) -> Result<Self, ApiError> {
        let labels = LabelSelector::parse(q.get("labelSelector").unwrap_or_default())
            .map_err(ApiError::bad_request)?;
        let fields = FieldSelector::parse(q.get("fieldSelector").unwrap_or_default(), |k| {
            k == "metadata.name"
                || (k == "metadata.namespace" && rt.namespaced)
                || Object::selectable(rt.kind).contains(&k)
        })
        .map_err(ApiError::bad_request)?;
        Ok(Selectors { labels, fields })
    }

    pub fn matches(&self, o: &Object) -> bool {
        self.labels.matches(o) && self.fields.matches(o)
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty() && self.fields.is_empty()
    }
}

fn list_kind(rt: &ResourceType) -> String {
    format!("{}List", rt.kind)
}

fn encode_continue(o: &Object) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{}\0{}", o.namespace, o.name))
}

fn decode_continue(token: &str) -> Result<(String, String), ApiError> {
    let bad = || ApiError::bad_request(format!("continue key is not valid: {token}"));
    let raw = base64::engine::general_purpose::STANDARD
        .decode(token)
        .map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let (ns, name) = text.split_once('\0').ok_or_else(bad)?;
    Ok((ns.to_string(), name.to_string()))
}

pub fn list(
    cluster: &Cluster,
    t: &Target,
    q: &Query,
    repr: Representation,
) -> Result<Response<Body>, ApiError> {
    let sel = Selectors::parse(t.rt, q)?;
    if t.rt.is_metrics() {
        let items: Vec<Value> = metrics::list(cluster, t.rt, t.namespace.as_deref())
            .into_iter()
            .filter(|m| {
                sel.labels
                    .matches_with(|k| m["metadata"]["labels"][k].as_str())
            })
            .collect();
        return Ok(h::json(
            200,
            &json!({"kind": list_kind(t.rt), "apiVersion": t.rt.api_version(), "metadata": {}, "items": items}),
        ));
    }
    let limit = q
        .number("limit")
        .map_err(ApiError::bad_request)?
        .filter(|l| *l > 0)
        .map(|l| l as usize);
    let after = q.get("continue").map(decode_continue).transpose()?;
    // As kube-apiserver: `remainingItemCount` only for a list without selectors (then it is
    // exact); with one, the page ends at the first match past the limit.
    let count_rest = sel.is_empty();
    let mut matched: Vec<Arc<Object>> = Vec::new();
    let mut remaining = 0usize;
    let rv = cluster
        .store
        .scan(t.rt, t.namespace.as_deref(), after.as_ref(), |o| {
            if !sel.matches(o) {
                return true;
            }
            if limit.is_some_and(|l| matched.len() >= l) {
                remaining += 1;
                return count_rest;
            }
            matched.push(o.clone());
            true
        });
    let token = (remaining > 0).then(|| encode_continue(matched.last().expect("limit > 0")));
    let include = IncludeObject::parse(q.get("includeObject"));
    let body = match repr {
        Representation::Table => {
            table::table(t.rt, &matched, rv, token.as_deref(), include).to_string()
        }
        Representation::Metadata => {
            let items: Vec<Value> = matched
                .iter()
                .map(|o| table::partial_metadata(&o.value()))
                .collect();
            let mut meta = json!({"resourceVersion": rv.to_string()});
            if let Some(c) = &token {
                meta["continue"] = json!(c);
                if count_rest {
                    meta["remainingItemCount"] = json!(remaining);
                }
            }
            json!({"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": meta, "items": items}).to_string()
        }
        Representation::Plain => {
            // Concatenate stored text: a 100,000-pod list is never parsed.
            let mut out = String::with_capacity(
                matched.iter().map(|o| o.json.len() + 1).sum::<usize>() + 256,
            );
            out.push_str(&format!(
                "{{\"kind\":\"{}\",\"apiVersion\":\"{}\",\"metadata\":{{\"resourceVersion\":\"{rv}\"",
                list_kind(t.rt),
                t.rt.api_version()
            ));
            if let Some(c) = &token {
                out.push_str(&format!(",\"continue\":\"{c}\""));
                if count_rest {
                    out.push_str(&format!(",\"remainingItemCount\":{remaining}"));
                }
            }
            out.push_str("},\"items\":[");
            for (i, o) in matched.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&o.json);
            }
            out.push_str("]}");
            out
        }
    };
    Ok(h::json_text(200, body))
}

pub fn represent(
    rt: &ResourceType,
    o: &Arc<Object>,
    q: &Query,
    repr: Representation,
) -> Response<Body> {
    match repr {
        Representation::Plain => h::json_text(200, o.json.to_string()),
        Representation::Metadata => h::json(200, &table::partial_metadata(&o.value())),
        Representation::Table => {
            let t = table::table(
                rt,
                std::slice::from_ref(o),
                o.rv,
                None,
                IncludeObject::parse(q.get("includeObject")),
            );
            h::json(200, &t)
        }
    }
}

pub fn get(
    cluster: &Cluster,
    t: &Target,
    name: &str,
    q: &Query,
    repr: Representation,
) -> Result<Response<Body>, ApiError> {
    if t.rt.is_metrics() {
        return metrics::get(cluster, t.rt, t.namespace.as_deref(), name).map(|m| h::json(200, &m));
    }
    let o = cluster
        .store
        .get(t.rt, t.namespace.as_deref().unwrap_or_default(), name)?;
    match t.subresource.as_deref() {
        None | Some("status") => Ok(represent(t.rt, &o, q, repr)),
        Some("scale") => Ok(h::json(200, &scale_of(t.rt, &o.value()))),
        Some(_) => Err(ApiError::path_not_found()),
    }
}

pub fn decode_body(body: &Bytes, content_type: Option<&str>) -> Result<Value, ApiError> {
    // The simulator speaks JSON and YAML only. kube-apiserver's answer to a body it cannot
    // decode is 415, on which client-go (kubectl 1.32 sends protobuf for built-in kinds)
    // switches to JSON and sends the request again.
    if content_type.is_some_and(|c| c.contains("protobuf")) {
        return Err(ApiError::new(
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml",
        ));
    }
    let yaml = content_type.is_some_and(|c| c.contains("yaml"));
    let v: Value = if yaml {
        serde_saphyr::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))?
    } else {
        serde_json::from_slice(body).map_err(|e| {
            ApiError::bad_request(format!("couldn't get version/kind; json parse error: {e}"))
        })?
    };
    if !v.is_object() {
        return Err(ApiError::bad_request(
            "the request body must be a JSON object",
        ));
    }
    Ok(v)
}

fn check_kind(rt: &ResourceType, body: &Value) -> Result<(), ApiError> {
    let kind = body["kind"].as_str().unwrap_or(rt.kind);
    let api_version = body["apiVersion"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| rt.api_version());
    if kind != rt.kind || api_version != rt.api_version() {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({api_version}) does not match the expected API version ({})",
            rt.api_version()
        )));
    }
    Ok(())
}

fn fill_namespace(t: &Target, body: &mut Value) -> Result<(), ApiError> {
    if !t.rt.namespaced {
        return Ok(());
    }
    let path_ns = t.namespace.clone().unwrap_or_default();
    match body["metadata"]["namespace"].as_str() {
        Some(ns) if !ns.is_empty() && ns != path_ns => Err(ApiError::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        )),
        _ => {
            if body.get("metadata").is_none() {
                body["metadata"] = json!({});
            }
            body["metadata"]["namespace"] = json!(path_ns);
            Ok(())
        }
    }
}

pub fn create(
    cluster: &Cluster,
    t: &Target,
    q: &Query,
    body: &Bytes,
    content_type: Option<&str>,
) -> Result<Response<Body>, ApiError> {
    if t.rt.is_metrics() {
        return Err(ApiError::method_not_allowed());
    }
    let mut obj = decode_body(body, content_type)?;
    check_kind(t.rt, &obj)?;
    fill_namespace(t, &mut obj)?;
    defaults::apply(t.rt, &mut obj);
    if t.rt.kind == "CustomResourceDefinition" {
        super::crd::fill_status(&mut obj);
    }
    if q.get("dryRun").is_some() {
        return Ok(h::json(201, &obj));
    }
    let o = cluster.store.create(t.rt, obj)?;
    Ok(h::json_text(201, o.json.to_string()))
}

fn has_status(rt: &ResourceType) -> bool {
    rt.subresources.contains(&"status")
}

/// Keeps the half of an object that a write to the other half must not touch.
fn keep_other_half(
    rt: &ResourceType,
    subresource: Option<&str>,
    before: &Value,
    after: &mut Value,
) {
    if !has_status(rt) {
        return;
    }
    if subresource == Some("status") {
        let status = after["status"].clone();
        *after = before.clone();
        after["status"] = status;
    } else {
        match before.get("status") {
            Some(s) => after["status"] = s.clone(),
            None => {
                after.as_object_mut().map(|m| m.remove("status"));
            }
        }
    }
}

pub fn update(
    cluster: &Cluster,
    t: &Target,
    name: &str,
    body: &Bytes,
    content_type: Option<&str>,
) -> Result<Response<Body>, ApiError> {
    let mut new = decode_body(body, content_type)?;
    let ns = t.namespace.clone().unwrap_or_default();
    if t.subresource.as_deref() == Some("scale") {
        return write_scale(cluster, t, name, |scale| {
            *scale = new.clone();
            Ok(())
        });
    }
    check_kind(t.rt, &new)?;
    fill_namespace(t, &mut new)?;
    let sub = t.subresource.clone();
    let o = cluster.store.update(t.rt, &ns, name, |current| {
        let want_rv = new["metadata"]["resourceVersion"].as_str().unwrap_or_default();
        if !want_rv.is_empty() && want_rv != current["metadata"]["resourceVersion"].as_str().unwrap_or_default() {
            return Err(ApiError::conflict(t.rt, name, "the object has been modified; please apply your changes to the latest version and try again"));
        }
        let before = current.clone();
        *current = new.clone();
        keep_other_half(t.rt, sub.as_deref(), &before, current);
        Ok(true)
    })?;
    Ok(h::json_text(200, o.json.to_string()))
}

pub fn patch(
    cluster: &Cluster,
    t: &Target,
    name: &str,
    body: &Bytes,
    content_type: Option<&str>,
) -> Result<Response<Body>, ApiError> {
    let pt = PatchType::from_content_type(content_type.unwrap_or_default()).ok_or_else(|| {
        ApiError::unsupported_media("the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json")
    })?;
    if t.subresource.as_deref() == Some("scale") {
        return write_scale(cluster, t, name, |scale| {
            patch::apply(scale, pt, body).map_err(ApiError::bad_request)
        });
    }
    let ns = t.namespace.clone().unwrap_or_default();
    if pt == PatchType::Apply && cluster.store.try_get(t.rt, &ns, name).is_none() {
        return create(
            cluster,
            t,
            &Query::default(),
            body,
            Some("application/yaml"),
        );
    }
    let sub = t.subresource.clone();
    let o = cluster.store.update(t.rt, &ns, name, |current| {
        let before = current.clone();
        patch::apply(current, pt, body).map_err(|e| {
            ApiError::new(
                if pt == PatchType::Json { 422 } else { 400 },
                if pt == PatchType::Json {
                    "Invalid"
                } else {
                    "BadRequest"
                },
                e,
            )
        })?;
        keep_other_half(t.rt, sub.as_deref(), &before, current);
        if !current.is_object() || !current["metadata"].is_object() {
            return Err(ApiError::bad_request(
                "the patch removed the object's metadata",
            ));
        }
        Ok(true)
    })?;
    Ok(h::json_text(200, o.json.to_string()))
}

fn scale_of(rt: &ResourceType, obj: &Value) -> Value {
    let selector = obj["spec"]["selector"]["matchLabels"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": obj["metadata"]["name"],
            "namespace": obj["metadata"]["namespace"],
            "uid": obj["metadata"]["uid"],
            "resourceVersion": obj["metadata"]["resourceVersion"],
            "creationTimestamp": obj["metadata"]["creationTimestamp"],
        },
        "spec": {"replicas": obj["spec"]["replicas"].as_i64().unwrap_or(if rt.kind == "Deployment" { 1 } else { 0 })},
        "status": {"replicas": obj["status"]["replicas"].as_i64().unwrap_or(0), "selector": selector},
    })
}

fn write_scale(
    cluster: &Cluster,
    t: &Target,
    name: &str,
    f: impl FnOnce(&mut Value) -> Result<(), ApiError>,
) -> Result<Response<Body>, ApiError> {
    let ns = t.namespace.clone().unwrap_or_default();
    let rt = t.rt;
    let o = cluster.store.update(rt, &ns, name, |current| {
        let mut scale = scale_of(rt, current);
        f(&mut scale)?;
        let replicas = scale["spec"]["replicas"]
            .as_i64()
            .filter(|r| *r >= 0)
            .ok_or_else(|| {
                ApiError::invalid(
                    rt,
                    name,
                    "spec.replicas: Invalid value: must be greater than or equal to 0",
                )
            })?;
        current["spec"]["replicas"] = json!(replicas);
        Ok(true)
    })?;
    Ok(h::json(200, &scale_of(rt, &o.value())))
}

/// DeleteOptions from the body (kubectl) or the query string (curl, some clients).
#[derive(Debug, Default)]
pub struct DeleteOptions {
    pub grace_period: Option<i64>,
    pub orphan: bool,
    pub dry_run: bool,
    pub precondition_uid: Option<String>,
}

impl DeleteOptions {
    pub fn parse(q: &Query, body: &Bytes) -> Result<Self, ApiError> {
        let b: Value = if body.iter().all(u8::is_ascii_whitespace) {
            json!({})
        } else {
            serde_json::from_slice(body)
                .map_err(|e| ApiError::bad_request(format!("error decoding DeleteOptions: {e}")))?
        };
        let grace = b["gracePeriodSeconds"].as_i64().or(q
            .number("gracePeriodSeconds")
            .map_err(ApiError::bad_request)?);
        let policy = b["propagationPolicy"]
            .as_str()
            .or(q.get("propagationPolicy"))
            .unwrap_or("Background");
        let orphan =
            policy == "Orphan" || b["orphanDependents"] == true || q.flag("orphanDependents");
        let dry_run =
            b["dryRun"].as_array().is_some_and(|d| !d.is_empty()) || q.get("dryRun").is_some();
        Ok(DeleteOptions {
            grace_period: grace,
            orphan,
            dry_run,
            precondition_uid: b["preconditions"]["uid"].as_str().map(str::to_string),
        })
    }
}

/// Deletes one object: graceful for pods (the kubelet controller finishes it), otherwise at once
/// unless finalizers hold it. Returns the object as the apiserver does.
pub fn delete_object(
    cluster: &Cluster,
    rt: &'static ResourceType,
    ns: &str,
    name: &str,
    opts: &DeleteOptions,
) -> Result<Arc<Object>, ApiError> {
    let current = cluster.store.get(rt, ns, name)?;
    let value = current.value();
    if let Some(uid) = &opts.precondition_uid
        && uid != &current.uid
    {
        return Err(ApiError::conflict(
            rt,
            name,
            &format!(
                "Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                current.uid
            ),
        ));
    }
    if opts.dry_run {
        return Ok(current);
    }
    let has_finalizers = value["metadata"]["finalizers"]
        .as_array()
        .is_some_and(|f| !f.is_empty());
    let grace = if rt.kind == "Pod" {
        let terminal = podutil::is_terminal(&value);
        let unscheduled = value["spec"]["nodeName"].as_str().is_none_or(str::is_empty);
        if terminal || unscheduled {
            0
        } else {
            opts.grace_period
                .unwrap_or_else(|| {
                    value["spec"]["terminationGracePeriodSeconds"]
                        .as_i64()
                        .unwrap_or(30)
                })
                .max(0)
        }
    } else {
        0
    };
    if opts.orphan {
        super::controllers::gc::orphan_dependents(cluster, &current);
    }
    if grace == 0 && !has_finalizers {
        return cluster.store.remove(rt, ns, name);
    }
    let already = value["metadata"]["deletionGracePeriodSeconds"].as_i64();
    if already.is_some_and(|g| g <= grace) {
        return Ok(current);
    }
    let deadline = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(grace);
    cluster.store.update(rt, ns, name, |v| {
        v["metadata"]["deletionTimestamp"] = json!(
            deadline
                .round(jiff::Unit::Second)
                .unwrap_or(deadline)
                .to_string()
        );
        v["metadata"]["deletionGracePeriodSeconds"] = json!(grace);
        Ok(true)
    })
}

pub fn delete(
    cluster: &Cluster,
    t: &Target,
    name: &str,
    q: &Query,
    body: &Bytes,
) -> Result<Response<Body>, ApiError> {
    let opts = DeleteOptions::parse(q, body)?;
    let o = delete_object(
        cluster,
        t.rt,
        t.namespace.as_deref().unwrap_or_default(),
        name,
        &opts,
    )?;
    Ok(h::json_text(200, o.json.to_string()))
}

pub fn delete_collection(
    cluster: &Cluster,
    t: &Target,
    q: &Query,
    body: &Bytes,
) -> Result<Response<Body>, ApiError> {
    let sel = Selectors::parse(t.rt, q)?;
    let opts = DeleteOptions::parse(q, body)?;
    let (objects, rv) = cluster.store.list(t.rt, t.namespace.as_deref(), None);
    let mut items = Vec::new();
    for o in objects.iter().filter(|o| sel.matches(o)) {
        if let Ok(d) = delete_object(cluster, t.rt, &o.namespace, &o.name, &opts) {
            items.push(d.value());
        }
    }
    Ok(h::json(
        200,
        &json!({"kind": list_kind(t.rt), "apiVersion": t.rt.api_version(), "metadata": {"resourceVersion": rv.to_string()}, "items": items}),
    ))
}

fn success(code: u16) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": code})
}

/// policy/v1 Eviction: deletes the pod gracefully unless a PodDisruptionBudget forbids it (429).
pub fn evict(
    cluster: &Cluster,
    t: &Target,
    name: &str,
    body: &Bytes,
) -> Result<Response<Body>, ApiError> {
    let ns = t.namespace.clone().unwrap_or_default();
    let eviction = decode_body(body, Some("application/json"))?;
    if let Some(n) = eviction["metadata"]["name"].as_str()
        && !n.is_empty()
        && n != name
    {
        return Err(ApiError::bad_request(
            "name in URL does not match name in Eviction object",
        ));
    }
    let options = eviction
        .get("deleteOptions")
        .or_else(|| eviction.get("delete_options"))
        .cloned()
        .unwrap_or(Value::Null);
    let opts = DeleteOptions {
        grace_period: options["gracePeriodSeconds"].as_i64(),
        dry_run: options["dryRun"].as_array().is_some_and(|d| !d.is_empty()),
        ..Default::default()
    };
    evict_pod(cluster, &ns, name, &opts)?;
    Ok(h::json(201, &success(201)))
}

/// The eviction subresource's decision and effect, for the API and for in-simulator clients (a
/// drainer): the pod is deleted gracefully unless its PodDisruptionBudget allows no disruption (429).
pub fn evict_pod(
    cluster: &Cluster,
    ns: &str,
    name: &str,
    opts: &DeleteOptions,
) -> Result<(), ApiError> {
    let pods = rt("", "pods");
    let pod = cluster.store.get(pods, ns, name)?;
    let pod_value = pod.value();
    let terminating = pod_value["metadata"]["deletionTimestamp"].is_string();
    let ignores_budget = terminating
        || matches!(
            pod_value["status"]["phase"].as_str(),
            Some("Succeeded" | "Failed" | "Pending")
        );
    if !ignores_budget {
        let budgets: Vec<Value> = cluster
            .store
            .list(rt("policy", "poddisruptionbudgets"), Some(ns), None)
            .0
            .iter()
            .map(|o| o.value())
            .filter(|b| LabelSelector::from_label_selector(&b["spec"]["selector"]).matches(&pod))
            .collect();
        if budgets.len() > 1 {
            return Err(ApiError::new(
                500,
                "InternalError",
                "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
            ));
        }
        if let Some(budget) = budgets.first() {
            let b = pdb::evaluate(&cluster.store, budget);
            let pod_healthy = pdb::pod_is_healthy(&pod_value);
            let unhealthy_may_go = !pod_healthy && b.current_healthy >= b.desired_healthy;
            if b.disruptions_allowed <= 0 && !unhealthy_may_go {
                let pdb_name = budget["metadata"]["name"].as_str().unwrap_or_default();
                let mut e = ApiError::new(
                    429,
                    "TooManyRequests",
                    "Cannot evict pod as it would violate the pod's disruption budget.",
                );
                e.details = json!({"causes": [{"reason": "DisruptionBudget", "message": format!(
                    "The disruption budget {pdb_name} needs {} healthy pods and has {} currently",
                    b.desired_healthy, b.current_healthy
                )}]});
                return Err(e);
            }
        }
    }
    delete_object(cluster, pods, ns, name, opts)?;
    super::controllers::events::record(
        cluster,
        &pod_value,
        "Normal",
        "Killing",
        "Stopping container (evicted)",
        "kubelet",
    );
    Ok(())
}

/// `now` as the apiserver formats timestamps.
pub fn now() -> String {
    now_rfc3339()
}
