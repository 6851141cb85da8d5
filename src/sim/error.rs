//! API errors as the apiserver reports them: a `Status` object with code, reason and message.

use serde_json::{Value, json};

use super::resources::ResourceType;

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    pub details: Value,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for ApiError {}

fn details(rt: &ResourceType, name: &str) -> Value {
    let mut d = json!({ "name": name, "kind": rt.plural });
    if !rt.group.is_empty() {
        d["group"] = json!(rt.group);
    }
    d
}

impl ApiError {
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            reason,
            message: message.into(),
            details: Value::Null,
        }
    }

    pub fn not_found(rt: &ResourceType, name: &str) -> Self {
        ApiError {
            details: details(rt, name),
            ..Self::new(
                404,
                "NotFound",
                format!("{} \"{name}\" not found", rt.qualified()),
            )
        }
    }

    pub fn namespace_not_found(ns: &str) -> Self {
        ApiError {
            details: json!({"name": ns, "kind": "namespaces"}),
            ..Self::new(404, "NotFound", format!("namespaces \"{ns}\" not found"))
        }
    }

    pub fn already_exists(rt: &ResourceType, name: &str) -> Self {
        ApiError {
            details: details(rt, name),
            ..Self::new(
                409,
                "AlreadyExists",
                format!("{} \"{name}\" already exists", rt.qualified()),
            )
        }
    }

    pub fn conflict(rt: &ResourceType, name: &str, why: &str) -> Self {
        ApiError {
            details: details(rt, name),
            ..Self::new(
                409,
                "Conflict",
                format!(
                    "Operation cannot be fulfilled on {} \"{name}\": {why}",
                    rt.qualified()
                ),
            )
        }
    }

    pub fn invalid(rt: &ResourceType, name: &str, why: &str) -> Self {
        ApiError {
            details: details(rt, name),
            ..Self::new(
                422,
                "Invalid",
                format!("{} \"{name}\" is invalid: {why}", rt.kind),
            )
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    pub fn unauthorized() -> Self {
        Self::new(401, "Unauthorized", "Unauthorized")
    }

    /// The apiserver's RBAC denial sentence, naming the user, verb, resource and group.
    pub fn forbidden(
        user: &str,
        verb: &str,
        rt: &ResourceType,
        subresource: Option<&str>,
        namespace: Option<&str>,
        name: Option<&str>,
    ) -> Self {
        let resource = match subresource {
            Some(s) => format!("{}/{s}", rt.plural),
            None => rt.plural.to_string(),
        };
        // The apiserver names the resource without its subresource: `pods "x" is forbidden`.
        let subject = match name {
            Some(n) => format!("{} \"{n}\"", rt.qualified()),
            None => qualified_with(rt, subresource),
        };
        let scope = match namespace {
            Some(ns) if !ns.is_empty() => format!("in the namespace \"{ns}\""),
            _ => "at the cluster scope".to_string(),
        };
        ApiError {
            details: json!({"name": name.unwrap_or_default(), "group": rt.group, "kind": rt.plural}),
            ..Self::new(
                403,
                "Forbidden",
                format!(
                    "{subject} is forbidden: User \"{user}\" cannot {verb} resource \"{resource}\" in API group \"{}\" {scope}",
                    rt.group
                ),
            )
        }
    }

    pub fn gone(message: impl Into<String>) -> Self {
        Self::new(410, "Expired", message)
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        )
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(503, "ServiceUnavailable", message)
    }

    pub fn unsupported_media(message: impl Into<String>) -> Self {
        Self::new(415, "UnsupportedMediaType", message)
    }

    pub fn path_not_found() -> Self {
        Self::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
    }

    pub fn status(&self) -> Value {
        let mut s = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if !self.details.is_null() {
            s["details"] = self.details.clone();
        }
        s
    }
}

fn qualified_with(rt: &ResourceType, subresource: Option<&str>) -> String {
    match subresource {
        Some(s) if rt.group.is_empty() => format!("{}/{s}", rt.plural),
        Some(s) => format!("{}.{}/{s}", rt.plural, rt.group),
        None => rt.qualified(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::resources::find;

    #[test]
    fn forbidden_list_at_cluster_scope_reads_like_the_apiserver() {
        let deploy = find("apps", "v1", "deployments").unwrap();
        let e = ApiError::forbidden("pod-reader", "list", deploy, None, None, None);
        assert_eq!(
            e.message,
            "deployments.apps is forbidden: User \"pod-reader\" cannot list resource \"deployments\" in API group \"apps\" at the cluster scope"
        );
        assert_eq!(e.status()["code"], 403);
    }

    #[test]
    fn not_found_names_group_qualified_resource() {
        let deploy = find("apps", "v1", "deployments").unwrap();
        let e = ApiError::not_found(deploy, "web");
        assert_eq!(e.message, "deployments.apps \"web\" not found");
        assert_eq!(e.status()["details"]["group"], "apps");
    }
}
