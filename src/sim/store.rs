//! One simulated cluster's object store: every resource type in one generic store, with
//! resourceVersions, a bounded event history for watches, and a broadcast of changes.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::sync::broadcast;

use super::error::ApiError;
use super::resources::ResourceType;

/// Events kept for watches that resume from an older resourceVersion; older ones answer 410.
const HISTORY: usize = 50_000;

/// A stored object: its JSON text (with metadata.resourceVersion set) and the few fields
/// that selectors and controllers look up without parsing it. Text, not `serde_json::Value`:
/// a parsed pod costs several times its text in memory, and 200,000 pods must fit.
#[derive(Debug)]
pub struct Object {
    pub rt: &'static ResourceType,
    pub rv: u64,
    pub namespace: String,
    pub name: String,
    pub uid: String,
    pub labels: Vec<(String, String)>,
    /// Field-selector values besides name and namespace (`spec.nodeName`, `status.phase`, ...).
    pub fields: Vec<(&'static str, String)>,
    /// uid of the owner reference marked `controller: true`.
    pub owner: Option<String>,
    /// metadata.deletionTimestamp is set.
    pub terminating: bool,
    pub json: Box<str>,
}

impl Object {
    pub fn value(&self) -> Value {
        serde_json::from_str(&self.json).unwrap_or(Value::Null)
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn field(&self, path: &str) -> Option<&str> {
        match path {
            "metadata.name" => Some(&self.name),
            "metadata.namespace" => Some(&self.namespace),
            _ => self
                .fields
                .iter()
                .find(|(k, _)| *k == path)
                .map(|(_, v)| v.as_str()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Change {
    pub kind: EventType,
    pub object: Arc<Object>,
}

type Key = (String, String);

#[derive(Default)]
struct Inner {
    rv: u64,
    collections: HashMap<&'static str, BTreeMap<Key, Arc<Object>>>,
    history: VecDeque<Change>,
    /// Watches may resume from any resourceVersion >= this.
    oldest_watchable: u64,
}

pub struct Store {
    inner: Mutex<Inner>,
    changes: broadcast::Sender<Change>,
}

/// What a watch gets when it starts: the history it missed, then the live feed.
pub struct Subscription {
    pub backlog: Vec<Change>,
    pub live: broadcast::Receiver<Change>,
    pub rv: u64,
}

fn collection_key(rt: &ResourceType) -> &'static str {
    // Plural alone is ambiguous (metrics `pods`), so key by kind.
    rt.kind
}

impl Default for Store {
    fn default() -> Self {
        Self::new()
    }
}

impl Store {
    pub fn new() -> Self {
        let (changes, _) = broadcast::channel(16_384);
        Store {
            inner: Mutex::new(Inner {
                rv: 1,
                ..Default::default()
            }),
            changes,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn resource_version(&self) -> u64 {
        self.lock().rv
    }

    pub fn get(&self, rt: &ResourceType, ns: &str, name: &str) -> Result<Arc<Object>, ApiError> {
        let inner = self.lock();
        inner
            .collections
            .get(collection_key(rt))
            .and_then(|c| c.get(&(ns.to_string(), name.to_string())))
            .cloned()
            .ok_or_else(|| ApiError::not_found(rt, name))
    }

    pub fn try_get(&self, rt: &ResourceType, ns: &str, name: &str) -> Option<Arc<Object>> {
        self.get(rt, ns, name).ok()
    }

    /// Objects of one type, in (namespace, name) order, starting after `after` (for `continue`).
    pub fn list(
        &self,
        rt: &ResourceType,
        ns: Option<&str>,
        after: Option<&Key>,
    ) -> (Vec<Arc<Object>>, u64) {
        let mut out = Vec::new();
        let rv = self.scan(rt, ns, after, |o| {
            out.push(o.clone());
            true
        });
        (out, rv)
    }

    /// Visits objects of one type in (namespace, name) order after `after`, under the lock,
    /// while `visit` returns true; returns the store's resourceVersion. A page of a large list
    /// touches what it returns, not a copy of everything after it.
    pub fn scan(
        &self,
        rt: &ResourceType,
        ns: Option<&str>,
        after: Option<&Key>,
        mut visit: impl FnMut(&Arc<Object>) -> bool,
    ) -> u64 {
        let inner = self.lock();
        let Some(coll) = inner.collections.get(collection_key(rt)) else {
            return inner.rv;
        };
        let iter: Box<dyn Iterator<Item = &Arc<Object>>> = match (ns, after) {
            (_, Some(k)) => Box::new(
                coll.range::<Key, _>((std::ops::Bound::Excluded(k), std::ops::Bound::Unbounded))
                    .map(|(_, v)| v),
            ),
            (Some(ns), None) => Box::new(
                coll.range::<Key, _>((ns.to_string(), String::new())..)
                    .map(|(_, v)| v),
            ),
            (None, None) => Box::new(coll.values()),
        };
        let before = |o: &&Arc<Object>| ns.is_some_and(|ns| o.namespace.as_str() < ns);
        let inside = |o: &&Arc<Object>| ns.is_none_or(|ns| o.namespace == ns);
        for o in iter.skip_while(before).take_while(inside) {
            if !visit(o) {
                break;
            }
        }
        inner.rv
    }

    pub fn count(&self, rt: &ResourceType) -> usize {
        self.lock()
            .collections
            .get(collection_key(rt))
            .map_or(0, |c| c.len())
    }

    /// Stores a new object; fills uid, creationTimestamp, generation and resourceVersion.
    pub fn create(
        &self,
        rt: &'static ResourceType,
        mut obj: Value,
    ) -> Result<Arc<Object>, ApiError> {
        let mut inner = self.lock();
        let meta = obj.get("metadata").cloned().unwrap_or_else(|| json!({}));
        let mut name = meta["name"].as_str().unwrap_or_default().to_string();
        if name.is_empty() {
            let Some(prefix) = meta["generateName"].as_str() else {
                return Err(ApiError::invalid(
                    rt,
                    "",
                    "metadata.name: Required value: name or generateName is required",
                ));
            };
            name = loop {
                let candidate = format!("{prefix}{}", random_suffix(5));
                let key = (namespace_of(rt, &meta), candidate.clone());
                if !inner
                    .collections
                    .get(collection_key(rt))
                    .is_some_and(|c| c.contains_key(&key))
                {
                    break candidate;
                }
            };
        }
        if let Err(msg) = validate_name(&name) {
            return Err(ApiError::invalid(rt, &name, &msg));
        }
        let ns = namespace_of(rt, &meta);
        if rt.namespaced && ns.is_empty() {
            return Err(ApiError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
        if rt.namespaced && rt.kind != "Namespace" {
            let ns_known = inner
                .collections
                .get("Namespace")
                .is_some_and(|c| c.contains_key(&(String::new(), ns.clone())));
            if !ns_known {
                return Err(ApiError::namespace_not_found(&ns));
            }
        }
        let key = (ns.clone(), name.clone());
        if inner
            .collections
            .get(collection_key(rt))
            .is_some_and(|c| c.contains_key(&key))
        {
            return Err(ApiError::already_exists(rt, &name));
        }
        inner.rv += 1;
        let rv = inner.rv;
        {
            let m = obj
                .as_object_mut()
                .ok_or_else(|| ApiError::bad_request("the object must be a JSON object"))?;
            m.insert("apiVersion".into(), Value::String(rt.api_version()));
            m.insert("kind".into(), Value::String(rt.kind.into()));
            let meta = m.entry("metadata").or_insert_with(|| json!({}));
            meta["name"] = Value::String(name.clone());
            if rt.namespaced {
                meta["namespace"] = Value::String(ns.clone());
            } else if let Some(o) = meta.as_object_mut() {
                o.remove("namespace");
            }
            if meta["uid"].as_str().is_none_or(str::is_empty) {
                meta["uid"] = Value::String(new_uid());
            }
            if meta["creationTimestamp"].as_str().is_none() {
                meta["creationTimestamp"] = Value::String(now_rfc3339());
            }
            if let Some(o) = meta.as_object_mut() {
                o.remove("managedFields");
                o.remove("selfLink");
                o.remove("deletionTimestamp");
            }
            if has_generation(rt) {
                meta["generation"] = json!(1);
            }
            meta["resourceVersion"] = Value::String(rv.to_string());
        }
        let object = Arc::new(index(rt, rv, &obj));
        inner
            .collections
            .entry(collection_key(rt))
            .or_default()
            .insert(key, object.clone());
        self.publish(&mut inner, EventType::Added, object.clone());
        Ok(object)
    }

    /// Read-modify-write of one object under the store lock. `f` returns Ok(false) to leave it
    /// unchanged (no new resourceVersion, no event).
    pub fn update(
        &self,
        rt: &'static ResourceType,
        ns: &str,
        name: &str,
        f: impl FnOnce(&mut Value) -> Result<bool, ApiError>,
    ) -> Result<Arc<Object>, ApiError> {
        let mut inner = self.lock();
        let key = (ns.to_string(), name.to_string());
        let current = inner
            .collections
            .get(collection_key(rt))
            .and_then(|c| c.get(&key))
            .cloned()
            .ok_or_else(|| ApiError::not_found(rt, name))?;
        let before = current.value();
        let mut obj = before.clone();
        if !f(&mut obj)? {
            return Ok(current);
        }
        // Identity is the server's, whatever the body said.
        obj["metadata"]["name"] = before["metadata"]["name"].clone();
        obj["metadata"]["uid"] = before["metadata"]["uid"].clone();
        obj["metadata"]["creationTimestamp"] = before["metadata"]["creationTimestamp"].clone();
        obj["apiVersion"] = before["apiVersion"].clone();
        obj["kind"] = before["kind"].clone();
        if rt.namespaced {
            obj["metadata"]["namespace"] = before["metadata"]["namespace"].clone();
        }
        if let Some(m) = obj["metadata"].as_object_mut() {
            m.remove("managedFields");
        }
        if has_generation(rt) {
            let generation = before["metadata"]["generation"].as_i64().unwrap_or(1);
            let bumped = if obj.get("spec") != before.get("spec") {
                generation + 1
            } else {
                generation
            };
            obj["metadata"]["generation"] = json!(bumped);
        }
        // Mutating anything but the resourceVersion itself: an unchanged object gets no event.
        obj["metadata"]["resourceVersion"] = before["metadata"]["resourceVersion"].clone();
        if obj == before {
            return Ok(current);
        }
        inner.rv += 1;
        let rv = inner.rv;
        obj["metadata"]["resourceVersion"] = Value::String(rv.to_string());
        let finalize = obj["metadata"]["deletionTimestamp"].is_string()
            && obj["metadata"]["finalizers"]
                .as_array()
                .is_none_or(|f| f.is_empty())
            && obj["metadata"]["deletionGracePeriodSeconds"].as_i64() == Some(0);
        let object = Arc::new(index(rt, rv, &obj));
        if finalize {
            inner
                .collections
                .get_mut(collection_key(rt))
                .map(|c| c.remove(&key));
            self.publish(&mut inner, EventType::Deleted, object.clone());
        } else {
            inner
                .collections
                .get_mut(collection_key(rt))
                .map(|c| c.insert(key, object.clone()));
            self.publish(&mut inner, EventType::Modified, object.clone());
        }
        Ok(object)
    }

    /// Removes an object at once (finalizers are the caller's business).
    pub fn remove(
        &self,
        rt: &'static ResourceType,
        ns: &str,
        name: &str,
    ) -> Result<Arc<Object>, ApiError> {
        let mut inner = self.lock();
        let key = (ns.to_string(), name.to_string());
        let current = inner
            .collections
            .get_mut(collection_key(rt))
            .and_then(|c| c.remove(&key))
            .ok_or_else(|| ApiError::not_found(rt, name))?;
        inner.rv += 1;
        let rv = inner.rv;
        let mut obj = current.value();
        obj["metadata"]["resourceVersion"] = Value::String(rv.to_string());
        let object = Arc::new(index(rt, rv, &obj));
        self.publish(&mut inner, EventType::Deleted, object.clone());
        Ok(object)
    }

    fn publish(&self, inner: &mut Inner, kind: EventType, object: Arc<Object>) {
        let change = Change { kind, object };
        if inner.history.len() == HISTORY
            && let Some(old) = inner.history.pop_front()
        {
            inner.oldest_watchable = old.object.rv;
        }
        inner.history.push_back(change.clone());
        let _ = self.changes.send(change);
    }

    /// Starts a watch from `from_rv`: the changes after it still in history, then the live feed.
    /// Err(oldest) when `from_rv` is older than the history keeps (the caller answers 410).
    pub fn subscribe(&self, from_rv: u64) -> Result<Subscription, u64> {
        let inner = self.lock();
        if from_rv < inner.oldest_watchable {
            return Err(inner.oldest_watchable);
        }
        let backlog = inner
            .history
            .iter()
            .filter(|c| c.object.rv > from_rv)
            .cloned()
            .collect();
        Ok(Subscription {
            backlog,
            live: self.changes.subscribe(),
            rv: inner.rv,
        })
    }

    /// The current objects of one type and a feed of every change after them, atomically.
    pub fn list_and_subscribe(
        &self,
        rt: &ResourceType,
        ns: Option<&str>,
    ) -> (Vec<Arc<Object>>, Subscription) {
        let inner = self.lock();
        let objects = inner
            .collections
            .get(collection_key(rt))
            .map(|c| {
                c.values()
                    .filter(|o| ns.is_none_or(|ns| o.namespace == ns))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let sub = Subscription {
            backlog: Vec::new(),
            live: self.changes.subscribe(),
            rv: inner.rv,
        };
        (objects, sub)
    }

    /// A live feed only (controllers).
    pub fn changes(&self) -> broadcast::Receiver<Change> {
        self.changes.subscribe()
    }

    /// Forgets all history: every watch resuming from an older resourceVersion gets 410 Gone.
    pub fn compact(&self) {
        let mut inner = self.lock();
        // A new revision, as etcd compaction leaves behind: every resourceVersion a client holds is now too old.
        inner.rv += 1;
        inner.history.clear();
        inner.oldest_watchable = inner.rv;
    }
}

fn has_generation(rt: &ResourceType) -> bool {
    !matches!(
        rt.kind,
        "Pod" | "Event" | "ConfigMap" | "Secret" | "Endpoints" | "Node" | "Namespace"
    )
}

fn namespace_of(rt: &ResourceType, meta: &Value) -> String {
    if rt.namespaced {
        meta["namespace"].as_str().unwrap_or_default().to_string()
    } else {
        String::new()
    }
}

/// DNS-1123 subdomain, as the apiserver checks object names.
fn validate_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 253
        && name.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.' || c == ':'
        })
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "metadata.name: Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
        ))
    }
}

impl Object {
    /// Field-selectable paths per kind besides name and namespace.
    pub fn selectable(kind: &str) -> &'static [&'static str] {
        selectable_fields(kind)
    }

    /// Whether `uid` is among this object's owner references (controller or not).
    pub fn owned_by(&self, uid: &str) -> bool {
        self.owner.as_deref() == Some(uid)
            || (self.json.contains(uid)
                && self.value()["metadata"]["ownerReferences"]
                    .as_array()
                    .is_some_and(|refs| refs.iter().any(|r| r["uid"] == uid)))
    }
}

/// Field-selectable paths per kind, as the apiserver registers them.
fn selectable_fields(kind: &str) -> &'static [&'static str] {
    match kind {
        "Pod" => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ],
        "Event" => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        "Node" => &["spec.unschedulable"],
        "Namespace" => &["status.phase"],
        "Secret" => &["type"],
        "ReplicaSet" | "ReplicationController" => &["status.replicas"],
        "Job" => &["status.successful"],
        _ => &[],
    }
}

fn lookup<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, seg| v.get(seg))
}

fn index(rt: &'static ResourceType, rv: u64, obj: &Value) -> Object {
    let meta = &obj["metadata"];
    let labels = meta["labels"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    let fields = selectable_fields(rt.kind)
        .iter()
        .map(|path| {
            let value = match lookup(obj, path) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Bool(b)) => b.to_string(),
                Some(Value::Number(n)) => n.to_string(),
                _ if *path == "source" => lookup(obj, "source.component")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                _ if *path == "spec.unschedulable" => "false".to_string(),
                _ => String::new(),
            };
            (*path, value)
        })
        .collect();
    Object {
        rt,
        rv,
        namespace: meta["namespace"].as_str().unwrap_or_default().to_string(),
        name: meta["name"].as_str().unwrap_or_default().to_string(),
        uid: meta["uid"].as_str().unwrap_or_default().to_string(),
        labels,
        fields,
        owner: meta["ownerReferences"]
            .as_array()
            .and_then(|refs| refs.iter().find(|r| r["controller"] == true))
            .and_then(|r| r["uid"].as_str().map(str::to_string)),
        terminating: meta["deletionTimestamp"].is_string(),
        json: obj.to_string().into_boxed_str(),
    }
}

pub fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .unwrap_or_else(|_| jiff::Timestamp::now())
        .to_string()
}

pub fn new_uid() -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let b: [u8; 16] = rand::random();
    // 8-4-4-4-12, written directly: synthetic clusters make hundreds of thousands of these.
    let mut out = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(HEX[(byte >> 4) as usize] as char);
        out.push(HEX[(byte & 0xf) as usize] as char);
    }
    out
}

/// The 5-character suffixes Kubernetes uses in generated names (no vowels, no look-alikes).
pub fn random_suffix(n: usize) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    (0..n)
        .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::resources::find;

    fn pods() -> &'static ResourceType {
        find("", "v1", "pods").unwrap()
    }
    fn namespaces() -> &'static ResourceType {
        find("", "v1", "namespaces").unwrap()
    }

    fn store_with_ns() -> Store {
        let s = Store::new();
        s.create(namespaces(), json!({"metadata":{"name":"default"}}))
            .unwrap();
        s
    }

    #[test]
    fn create_sets_identity_and_resource_version() {
        let s = store_with_ns();
        let o = s
            .create(pods(), json!({"metadata":{"name":"a","namespace":"default","labels":{"app":"x"}},"spec":{"nodeName":"n1"}}))
            .unwrap();
        let v = o.value();
        assert_eq!(v["kind"], "Pod");
        assert_eq!(v["metadata"]["resourceVersion"], o.rv.to_string());
        assert_eq!(o.label("app"), Some("x"));
        assert_eq!(o.field("spec.nodeName"), Some("n1"));
        assert_eq!(v["metadata"]["uid"].as_str().unwrap().len(), 36);
    }

    #[test]
    fn uids_look_like_kubernetes_uids() {
        let u = new_uid();
        let parts: Vec<usize> = u.split('-').map(str::len).collect();
        assert_eq!(parts, [8, 4, 4, 4, 12]);
        assert!(u.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
        assert_ne!(u, new_uid());
    }

    #[test]
    fn create_in_missing_namespace_is_not_found() {
        let s = Store::new();
        let err = s
            .create(pods(), json!({"metadata":{"name":"a","namespace":"nope"}}))
            .unwrap_err();
        assert_eq!(err.code, 404);
    }

    #[test]
    fn duplicate_create_conflicts() {
        let s = store_with_ns();
        s.create(
            pods(),
            json!({"metadata":{"name":"a","namespace":"default"}}),
        )
        .unwrap();
        let err = s
            .create(
                pods(),
                json!({"metadata":{"name":"a","namespace":"default"}}),
            )
            .unwrap_err();
        assert_eq!(err.code, 409);
    }

    #[test]
    fn unchanged_update_emits_nothing() {
        let s = store_with_ns();
        let a = s
            .create(
                pods(),
                json!({"metadata":{"name":"a","namespace":"default"}}),
            )
            .unwrap();
        let b = s.update(pods(), "default", "a", |_| Ok(true)).unwrap();
        assert_eq!(a.rv, b.rv);
    }

    #[test]
    fn watch_backlog_starts_after_the_given_version() {
        let s = store_with_ns();
        let a = s
            .create(
                pods(),
                json!({"metadata":{"name":"a","namespace":"default"}}),
            )
            .unwrap();
        s.create(
            pods(),
            json!({"metadata":{"name":"b","namespace":"default"}}),
        )
        .unwrap();
        let sub = s.subscribe(a.rv).unwrap();
        assert_eq!(sub.backlog.len(), 1);
        assert_eq!(sub.backlog[0].object.name, "b");
    }

    #[test]
    fn compaction_makes_old_versions_gone() {
        let s = store_with_ns();
        let a = s
            .create(
                pods(),
                json!({"metadata":{"name":"a","namespace":"default"}}),
            )
            .unwrap();
        s.create(
            pods(),
            json!({"metadata":{"name":"b","namespace":"default"}}),
        )
        .unwrap();
        let before = s.resource_version();
        s.compact();
        assert!(s.subscribe(a.rv).is_err());
        assert!(s.subscribe(before).is_err());
        assert!(s.subscribe(s.resource_version()).is_ok());
    }

    #[test]
    fn list_pages_in_key_order_within_a_namespace() {
        let s = store_with_ns();
        s.create(namespaces(), json!({"metadata":{"name":"zz"}}))
            .unwrap();
        for n in ["c", "a", "b"] {
            s.create(pods(), json!({"metadata":{"name":n,"namespace":"default"}}))
                .unwrap();
        }
        s.create(pods(), json!({"metadata":{"name":"a","namespace":"zz"}}))
            .unwrap();
        let (all, _) = s.list(pods(), Some("default"), None);
        let names: Vec<_> = all.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        let (rest, _) = s.list(
            pods(),
            Some("default"),
            Some(&("default".into(), "a".into())),
        );
        assert_eq!(rest.len(), 2);
        let (everything, _) = s.list(pods(), None, None);
        assert_eq!(everything.len(), 4);
    }

    #[test]
    fn zero_grace_deletion_timestamp_without_finalizers_removes() {
        let s = store_with_ns();
        s.create(
            pods(),
            json!({"metadata":{"name":"a","namespace":"default"}}),
        )
        .unwrap();
        s.update(pods(), "default", "a", |v| {
            v["metadata"]["deletionTimestamp"] = json!(now_rfc3339());
            v["metadata"]["deletionGracePeriodSeconds"] = json!(0);
            Ok(true)
        })
        .unwrap();
        assert!(s.try_get(pods(), "default", "a").is_none());
    }
}
