//! The resource types a context serves, as its discovery lists them, and how the operator's
//! words name them (`svc`, `deployments.apps`, `certificates.cert-manager.io`, `all`), the way
//! kubectl resolves them: plural, singular, short names, the Kind, each optionally qualified
//! with the group; categories name several.
//!
//! [`discover`] reads discovery with kube's client; everything else here is pure.

use std::collections::BTreeSet;
use std::sync::{Mutex, OnceLock};

/// One resource type of one context's API (a discovery `APIResource` with its group version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindInfo {
    /// `""` for the core group.
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
    pub singular: String,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    pub namespaced: bool,
    pub verbs: Vec<String>,
}

impl KindInfo {
    /// `v1`, `apps/v1`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `pods`, `deployments.apps`: how kubectl and RBAC messages name the resource.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// kube's dynamic type for `Api<DynamicObject>`.
    pub fn api_resource(&self) -> kube::discovery::ApiResource {
        kube::discovery::ApiResource {
            group: self.group.clone(),
            version: self.version.clone(),
            api_version: self.api_version(),
            kind: self.kind.clone(),
            plural: self.plural.clone(),
        }
    }

    /// Whether discovery lists `verb` (`list`, `watch`, `delete`, `update`, `patch`, …).
    pub fn can(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| v == verb)
    }

    /// The Kind as row identities carry it: the bare Kind for the core group and the groups
    /// Kubernetes itself defines, `Kind.group` for everything else (two CRDs may share a
    /// Kind; a CRD may even reuse a built-in one). Interned: identities are copied often.
    pub fn id(&self) -> &'static str {
        if is_builtin_group(&self.group) {
            intern(&self.kind)
        } else {
            intern(&format!("{}.{}", self.kind, self.group))
        }
    }

    /// The kinds the cockpit's rich rows (and their actions) name, without asking discovery:
    /// `id` is the identity Kind (`Pod`, `Deployment`, …; see [`KindInfo::id`]).
    pub fn builtin(id: &str) -> Option<KindInfo> {
        const VERBS: [&str; 8] = [
            "get",
            "list",
            "watch",
            "create",
            "update",
            "patch",
            "delete",
            "deletecollection",
        ];
        BUILTIN.iter().find(|b| b.2 == id).map(
            |&(group, version, kind, plural, short, namespaced)| KindInfo {
                group: group.into(),
                version: version.into(),
                kind: kind.into(),
                plural: plural.into(),
                singular: kind.to_ascii_lowercase(),
                short_names: short.iter().map(|s| s.to_string()).collect(),
                categories: Vec::new(),
                namespaced,
                verbs: VERBS.map(String::from).to_vec(),
            },
        )
    }

    /// Whether the operator's `word` (lower-cased) names this type, with or without its group.
    fn named_by(&self, word: &str) -> bool {
        let bare = |w: &str| {
            w == self.plural
                || w == self.singular
                || w == self.kind.to_ascii_lowercase()
                || self.short_names.iter().any(|s| s == w)
        };
        if bare(word) {
            return true;
        }
        // `deployments.apps`, `deploy.apps`, `certificates.cert-manager.io`,
        // `deployments.v1.apps`.
        match word.split_once('.') {
            Some((head, group)) if !self.group.is_empty() => {
                bare(head)
                    && (group == self.group || group == format!("{}.{}", self.version, self.group))
            }
            _ => false,
        }
    }
}

/// (group, version, Kind, plural, short names, namespaced) of [`KindInfo::builtin`].
type Builtin = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    bool,
);
const BUILTIN: &[Builtin] = &[
    ("", "v1", "Pod", "pods", &["po"], true),
    ("", "v1", "Node", "nodes", &["no"], false),
    ("", "v1", "Namespace", "namespaces", &["ns"], false),
    ("", "v1", "Secret", "secrets", &[], true),
    ("", "v1", "ConfigMap", "configmaps", &["cm"], true),
    ("", "v1", "Service", "services", &["svc"], true),
    ("", "v1", "ServiceAccount", "serviceaccounts", &["sa"], true),
    (
        "",
        "v1",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        &["pvc"],
        true,
    ),
    ("apps", "v1", "Deployment", "deployments", &["deploy"], true),
    ("apps", "v1", "ReplicaSet", "replicasets", &["rs"], true),
    ("apps", "v1", "DaemonSet", "daemonsets", &["ds"], true),
    ("apps", "v1", "StatefulSet", "statefulsets", &["sts"], true),
    ("batch", "v1", "Job", "jobs", &[], true),
    ("batch", "v1", "CronJob", "cronjobs", &["cj"], true),
    (
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        &["pdb"],
        true,
    ),
];

/// Groups whose kinds need no qualification in identities.
fn is_builtin_group(group: &str) -> bool {
    !group.contains('.') || group.ends_with(".k8s.io")
}

/// A `&'static str` for `s`, the same one every time: row identities use `&'static str` kinds,
/// and the set of Kinds a session discovers is small and bounded.
pub fn intern(s: &str) -> &'static str {
    static SEEN: OnceLock<Mutex<BTreeSet<&'static str>>> = OnceLock::new();
    let mut seen = SEEN
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(known) = seen.get(s) {
        return known;
    }
    let leaked: &'static str = Box::leak(s.to_string().into_boxed_str());
    seen.insert(leaked);
    leaked
}

/// Every resource type one context serves, in kubectl's order of preference: the core group
/// first, then the groups in the order discovery lists them (each at its preferred version).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    pub kinds: Vec<KindInfo>,
}

impl Catalog {
    /// The type `word` names, as `kubectl get WORD` picks it (the first in preference order).
    pub fn resolve(&self, word: &str) -> Option<&KindInfo> {
        let word = word.to_ascii_lowercase();
        self.kinds.iter().find(|k| k.named_by(&word))
    }

    /// The types a category (`all`, `api-extensions`, …) names, listable ones only.
    pub fn category(&self, word: &str) -> Vec<&KindInfo> {
        let word = word.to_ascii_lowercase();
        self.kinds
            .iter()
            .filter(|k| k.categories.contains(&word) && k.can("list"))
            .collect()
    }

    /// The type whose identity Kind (see [`KindInfo::id`]) is `id`.
    pub fn by_id(&self, id: &str) -> Option<&KindInfo> {
        self.kinds.iter().find(|k| k.id() == id)
    }

    /// Every word that names a listable type (for completion), sorted, without repeats.
    pub fn words(&self) -> Vec<String> {
        let mut out = BTreeSet::new();
        for k in self.kinds.iter().filter(|k| k.can("list")) {
            out.insert(k.plural.clone());
            if !k.singular.is_empty() {
                out.insert(k.singular.clone());
            }
            out.extend(k.short_names.iter().cloned());
            if !k.group.is_empty() {
                out.insert(k.qualified());
            }
        }
        out.into_iter().collect()
    }
}

/// Reads the context's discovery: `/api/v1` and the preferred version of each group of `/apis`,
/// subresources left out. A group version that fails (an aggregated API whose backend is down,
/// as metrics-server often is) is skipped, as kubectl does, rather than failing the whole read.
pub async fn discover(client: &kube::Client) -> Result<Catalog, kube::Error> {
    use futures::stream::{self, StreamExt};

    let core = client.list_core_api_resources("v1").await?;
    let mut lists = vec![("", core)];
    let groups = client.list_api_groups().await?;
    let versions: Vec<(String, String)> = groups
        .groups
        .iter()
        .filter_map(|g| {
            let gv = g
                .preferred_version
                .as_ref()
                .or_else(|| g.versions.first())?;
            Some((g.name.clone(), gv.group_version.clone()))
        })
        .collect();
    let reads: Vec<_> = versions
        .iter()
        .map(|(_, gv)| {
            let (client, gv) = (client.clone(), gv.clone());
            async move { client.list_api_group_resources(&gv).await }
        })
        .collect();
    let fetched: Vec<_> = stream::iter(reads).buffered(8).collect().await;
    let mut group_lists = Vec::new();
    for ((group, _), list) in versions.iter().zip(fetched) {
        if let Ok(list) = list {
            group_lists.push((group.as_str(), list));
        }
    }
    lists.extend(group_lists);
    let mut kinds = Vec::new();
    for (group, list) in lists {
        let version = list
            .group_version
            .rsplit('/')
            .next()
            .unwrap_or("v1")
            .to_string();
        for r in list.resources.into_iter().filter(|r| !r.name.contains('/')) {
            kinds.push(KindInfo {
                group: group.to_string(),
                version: version.clone(),
                singular: if r.singular_name.is_empty() {
                    r.kind.to_ascii_lowercase()
                } else {
                    r.singular_name
                },
                kind: r.kind,
                plural: r.name,
                short_names: r.short_names.unwrap_or_default(),
                categories: r.categories.unwrap_or_default(),
                namespaced: r.namespaced,
                verbs: r.verbs,
            });
        }
    }
    Ok(Catalog { kinds })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn kind(
        group: &str,
        plural: &str,
        kind: &str,
        short: &[&str],
        namespaced: bool,
    ) -> KindInfo {
        KindInfo {
            group: group.into(),
            version: "v1".into(),
            kind: kind.into(),
            plural: plural.into(),
            singular: kind.to_ascii_lowercase(),
            short_names: short.iter().map(|s| s.to_string()).collect(),
            categories: if group.is_empty() || group == "apps" {
                vec!["all".into()]
            } else {
                vec![]
            },
            namespaced,
            verbs: ["get", "list", "watch", "delete"]
                .map(String::from)
                .to_vec(),
        }
    }

    pub(crate) fn catalog() -> Catalog {
        Catalog {
            kinds: vec![
                kind("", "pods", "Pod", &["po"], true),
                kind("", "services", "Service", &["svc"], true),
                kind("", "events", "Event", &["ev"], true),
                kind("apps", "deployments", "Deployment", &["deploy"], true),
                kind("events.k8s.io", "events", "Event", &[], true),
                kind(
                    "cert-manager.io",
                    "certificates",
                    "Certificate",
                    &["cert", "certs"],
                    true,
                ),
            ],
        }
    }

    #[test]
    fn words_resolve_as_kubectl_resolves_them() {
        let c = catalog();
        let plural = |w: &str| c.resolve(w).map(KindInfo::qualified);
        assert_eq!(plural("svc").as_deref(), Some("services"));
        assert_eq!(plural("Service").as_deref(), Some("services"));
        assert_eq!(plural("deploy.apps").as_deref(), Some("deployments.apps"));
        assert_eq!(
            plural("deployments.v1.apps").as_deref(),
            Some("deployments.apps")
        );
        assert_eq!(
            plural("certificates.cert-manager.io").as_deref(),
            Some("certificates.cert-manager.io")
        );
        assert_eq!(
            plural("cert").as_deref(),
            Some("certificates.cert-manager.io")
        );
        // The core group wins a name two groups share, as in kubectl.
        assert_eq!(plural("events").as_deref(), Some("events"));
        assert_eq!(
            plural("events.events.k8s.io").as_deref(),
            Some("events.events.k8s.io")
        );
        assert_eq!(plural("svc.apps"), None);
        assert_eq!(plural("bogus"), None);
    }

    #[test]
    fn identities_qualify_only_foreign_groups() {
        let c = catalog();
        assert_eq!(c.resolve("deploy").unwrap().id(), "Deployment");
        assert_eq!(
            c.resolve("cert").unwrap().id(),
            "Certificate.cert-manager.io"
        );
        let id = c.resolve("cert").unwrap().id();
        assert!(std::ptr::eq(id, intern("Certificate.cert-manager.io")));
        assert_eq!(c.by_id(id).unwrap().plural, "certificates");
    }

    #[test]
    fn builtin_kinds_need_no_discovery() {
        let d = KindInfo::builtin("Deployment").unwrap();
        assert_eq!(d.api_version(), "apps/v1");
        assert_eq!(d.qualified(), "deployments.apps");
        assert_eq!(d.id(), "Deployment");
        assert!(d.can("update") && d.namespaced);
        let n = KindInfo::builtin("Node").unwrap();
        assert!(!n.namespaced && n.group.is_empty());
        assert_eq!(KindInfo::builtin("Secret").unwrap().plural, "secrets");
        assert_eq!(KindInfo::builtin("Certificate.cert-manager.io"), None);
    }

    #[test]
    fn completion_words_and_categories() {
        let c = catalog();
        let words = c.words();
        for w in ["svc", "services", "certificates.cert-manager.io", "deploy"] {
            assert!(words.iter().any(|x| x == w), "{w} missing from {words:?}");
        }
        let all: Vec<String> = c.category("all").iter().map(|k| k.qualified()).collect();
        assert_eq!(all, ["pods", "services", "events", "deployments.apps"]);
    }
}
