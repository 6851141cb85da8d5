//! Request paths, parsed into what they address (pure; unit tested).

use super::resources::{self, ResourceType};

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    Version,
    Health,
    ApiVersions,
    ApiGroupList,
    ApiGroup(String),
    ResourceList { group: String, version: String },
    OpenApi,
    Resource(Target),
    Control(Vec<String>),
    Unknown,
}

/// A collection, object or subresource of one resource type.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub rt: &'static ResourceType,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub subresource: Option<String>,
}

/// A path's route among the built-in resource types only.
pub fn parse(path: &str) -> Route {
    parse_with(path, &|g, v, p| resources::find(g, v, p))
}

/// Finds the resource type a path names (built-in or custom).
pub type Finder<'a> = &'a dyn Fn(&str, &str, &str) -> Option<&'static ResourceType>;

/// A path's route, resolving resource types with `find`.
pub fn parse_with(path: &str, find: Finder) -> Route {
    let segs: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    match segs.as_slice() {
        ["version"] => Route::Version,
        ["healthz" | "livez" | "readyz", ..] => Route::Health,
        ["openapi", ..] => Route::OpenApi,
        ["_sim", rest @ ..] => Route::Control(rest.iter().map(|s| s.to_string()).collect()),
        ["api"] => Route::ApiVersions,
        ["apis"] => Route::ApiGroupList,
        ["api", "v1"] => Route::ResourceList {
            group: String::new(),
            version: "v1".into(),
        },
        ["apis", group] => Route::ApiGroup(group.to_string()),
        ["apis", group, version] => Route::ResourceList {
            group: group.to_string(),
            version: version.to_string(),
        },
        ["api", "v1", rest @ ..] => resource("", "v1", rest, find),
        ["apis", group, version, rest @ ..] => resource(group, version, rest, find),
        _ => Route::Unknown,
    }
}

fn resource(group: &str, version: &str, rest: &[&str], find: Finder) -> Route {
    let (namespace, rest) = match rest {
        ["namespaces", ns, plural, more @ ..]
            if find(group, version, plural).is_some_and(|r| r.namespaced) =>
        {
            (
                Some(ns.to_string()),
                std::iter::once(*plural)
                    .chain(more.iter().copied())
                    .collect::<Vec<_>>(),
            )
        }
        _ => (None, rest.to_vec()),
    };
    let Some(rt) = rest.first().and_then(|p| find(group, version, p)) else {
        return Route::Unknown;
    };
    if rest.len() > 3
        || rest
            .get(2)
            .is_some_and(|sub| !rt.subresources.contains(sub))
    {
        return Route::Unknown;
    }
    Route::Resource(Target {
        rt,
        namespace,
        name: rest.get(1).map(|s| s.to_string()),
        subresource: rest.get(2).map(|s| s.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(path: &str) -> Target {
        match parse(path) {
            Route::Resource(t) => t,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn namespaced_subresource_paths_parse() {
        let t = target("/api/v1/namespaces/default/pods/web-1/eviction");
        assert_eq!(t.rt.plural, "pods");
        assert_eq!(t.namespace.as_deref(), Some("default"));
        assert_eq!(t.name.as_deref(), Some("web-1"));
        assert_eq!(t.subresource.as_deref(), Some("eviction"));
    }

    #[test]
    fn namespace_objects_are_not_mistaken_for_namespaced_paths() {
        let t = target("/api/v1/namespaces/kube-system");
        assert_eq!(t.rt.plural, "namespaces");
        assert_eq!(t.name.as_deref(), Some("kube-system"));
        let t = target("/api/v1/namespaces/kube-system/finalize");
        assert_eq!(t.subresource.as_deref(), Some("finalize"));
    }

    #[test]
    fn grouped_collections_and_discovery_parse() {
        let t = target("/apis/apps/v1/deployments");
        assert_eq!(t.rt.kind, "Deployment");
        assert!(t.namespace.is_none() && t.name.is_none());
        assert_eq!(
            parse("/apis/apps/v1"),
            Route::ResourceList {
                group: "apps".into(),
                version: "v1".into()
            }
        );
        assert_eq!(parse("/apis/nope.io/v1/things"), Route::Unknown);
        assert_eq!(parse("/api/v1/namespaces/default/bogus"), Route::Unknown);
    }
}
