//! Generic rows: any resource type as `kubectl get` prints it. A row keeps its key, kubectl's
//! cells and the few fields actions need (labels, creation time, deletion), never the object.
//!
//! Built-in kinds get their cells from the project's printers (the ones the simulator's Tables
//! use); custom resources from their CRD's `additionalPrinterColumns` (JSONPath; `date`
//! columns shown as ages, as kubectl formats them).

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::Timestamp;
use serde_json::Value;

use super::kinds::{KindInfo, intern};
use super::rows::{Key, Row};
use crate::printers::{jsonpath, table as printers};
use crate::sanitize;

/// One column after NAMESPACE and NAME.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindColumn {
    /// kubectl's header: the Table column name upper-cased (`NOMINATED NODE`).
    pub title: &'static str,
    /// Shown only in wide mode (`-o wide`: priority above 0).
    pub wide: bool,
    /// `integer` / `number`: right-aligned and sorted as numbers.
    pub numeric: bool,
}

/// A cell: text, or a moment shown as its age (so ages move on without new events).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(Box<str>),
    Since(Timestamp),
}

impl Cell {
    pub fn text(&self, now: Timestamp) -> std::borrow::Cow<'_, str> {
        match self {
            Cell::Text(t) => std::borrow::Cow::Borrowed(t),
            Cell::Since(t) => std::borrow::Cow::Owned(crate::printers::age::since(*t, now)),
        }
    }
}

/// One object of any kind, as a table row.
#[derive(Debug, Clone, PartialEq)]
pub struct GenericRow {
    pub namespace: String,
    pub name: String,
    /// In [`KindColumns::columns`] order.
    pub cells: Vec<Cell>,
    pub labels: BTreeMap<String, String>,
    pub created: Option<Timestamp>,
    /// `metadata.deletionTimestamp` is set.
    pub deleting: bool,
    /// The pods it selects, as `kubectl get pods -l` takes it: a Service's `spec.selector` or a
    /// workload's `spec.selector`; None when the kind selects nothing.
    pub selector: Option<Box<str>>,
}

impl GenericRow {
    /// `namespace/name`, or the name of a cluster-scoped object.
    pub fn key_text(&self) -> String {
        if self.namespace.is_empty() {
            self.name.clone()
        } else {
            format!("{}/{}", self.namespace, self.name)
        }
    }
}

impl Row for GenericRow {
    fn key(&self) -> Key {
        (self.namespace.clone(), self.name.clone())
    }
}

/// A custom resource's printer column (one `additionalPrinterColumns` entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomColumn {
    pub name: String,
    pub type_: String,
    pub json_path: String,
    pub priority: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Printer {
    /// The project's printer for this Kind (`printers::table`).
    Builtin(&'static str),
    Custom(Vec<CustomColumn>),
}

/// A kind's columns and how its objects fill them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindColumns {
    pub columns: Arc<[KindColumn]>,
    /// NAME is a wide column (Events: kubectl shows OBJECT instead).
    pub name_wide: bool,
    printer: Printer,
}

fn title(name: &str) -> &'static str {
    intern(&name.to_uppercase())
}

impl KindColumns {
    /// A built-in kind's columns: exactly the ones kube-apiserver's Table has for it.
    pub fn builtin(kind: &KindInfo) -> KindColumns {
        let columns = printers::columns(&kind.kind)
            .iter()
            .filter(|c| c.format != "name")
            .map(|c| KindColumn {
                title: title(c.name),
                wide: c.priority > 0,
                numeric: matches!(c.type_, "integer" | "number"),
            })
            .collect();
        KindColumns {
            columns,
            name_wide: printers::columns(&kind.kind)
                .iter()
                .any(|c| c.format == "name" && c.priority > 0),
            printer: Printer::Builtin(intern(&kind.kind)),
        }
    }

    /// A custom resource's columns from its CRD version's `additionalPrinterColumns`; with none,
    /// kube-apiserver's default of one AGE column.
    pub fn custom(printer_columns: Vec<CustomColumn>) -> KindColumns {
        let printer_columns = if printer_columns.is_empty() {
            vec![CustomColumn {
                name: "Age".into(),
                type_: "date".into(),
                json_path: ".metadata.creationTimestamp".into(),
                priority: 0,
            }]
        } else {
            printer_columns
        };
        let columns = printer_columns
            .iter()
            .map(|c| KindColumn {
                title: title(&c.name),
                wide: c.priority > 0,
                numeric: matches!(c.type_.as_str(), "integer" | "number"),
            })
            .collect();
        KindColumns {
            columns,
            name_wide: false,
            printer: Printer::Custom(printer_columns),
        }
    }

    /// The printer columns of `version` in a CRD object (JSON as the API returns it).
    pub fn of_crd(crd: &Value, version: &str) -> KindColumns {
        let columns = crd
            .pointer("/spec/versions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|v| v["name"] == version)
            .and_then(|v| v["additionalPrinterColumns"].as_array())
            .into_iter()
            .flatten()
            .map(|c| CustomColumn {
                name: c["name"].as_str().unwrap_or_default().to_string(),
                type_: c["type"].as_str().unwrap_or("string").to_string(),
                json_path: c["jsonPath"].as_str().unwrap_or_default().to_string(),
                priority: c["priority"].as_i64().unwrap_or(0) as i32,
            })
            .collect();
        KindColumns::custom(columns)
    }

    /// The row for `obj` (JSON as the API returns it). Text is sanitised here, once.
    pub fn project(&self, obj: &Value, now: Timestamp) -> GenericRow {
        let meta = &obj["metadata"];
        let created = meta["creationTimestamp"]
            .as_str()
            .and_then(|t| t.parse::<Timestamp>().ok());
        let cells = match &self.printer {
            Printer::Builtin(kind) => {
                let defs = printers::columns(kind);
                printers::cells(kind, obj, now)
                    .into_iter()
                    .zip(defs)
                    .filter(|(_, c)| c.format != "name")
                    .map(|(v, c)| match (c.name, created) {
                        ("Age", Some(t)) => Cell::Since(t),
                        _ => Cell::Text(text(&v)),
                    })
                    .collect()
            }
            Printer::Custom(cols) => cols.iter().map(|c| custom_cell(c, obj)).collect(),
        };
        let labels = meta["labels"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect()
            })
            .unwrap_or_default();
        GenericRow {
            namespace: clean(meta["namespace"].as_str().unwrap_or_default()),
            name: clean(meta["name"].as_str().unwrap_or_default()),
            cells,
            labels,
            created,
            deleting: !meta["deletionTimestamp"].is_null(),
            selector: selector_text(&obj["spec"]["selector"]).map(String::into_boxed_str),
        }
    }
}

/// `spec.selector` in kubectl's `-l` syntax: a Service's plain map, or a LabelSelector's
/// `matchLabels` and `matchExpressions`. None when absent or empty (a selector that selects
/// nothing through labels).
fn selector_text(sel: &Value) -> Option<String> {
    let pairs = |m: &serde_json::Map<String, Value>| -> Vec<String> {
        m.iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
            .collect()
    };
    let obj = sel.as_object()?;
    let mut parts = Vec::new();
    if obj.contains_key("matchLabels") || obj.contains_key("matchExpressions") {
        if let Some(m) = obj.get("matchLabels").and_then(Value::as_object) {
            parts.extend(pairs(m));
        }
        for e in obj
            .get("matchExpressions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let key = e["key"].as_str().unwrap_or_default();
            let values: Vec<&str> = e["values"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            parts.push(match e["operator"].as_str().unwrap_or_default() {
                "In" => format!("{key} in ({})", values.join(",")),
                "NotIn" => format!("{key} notin ({})", values.join(",")),
                "Exists" => key.to_string(),
                "DoesNotExist" => format!("!{key}"),
                _ => continue,
            });
        }
    } else {
        parts.extend(pairs(obj));
    }
    (!parts.is_empty()).then(|| parts.join(","))
}

fn clean(s: &str) -> String {
    sanitize::clean(s).into_owned()
}

/// A Table cell as kubectl prints it: strings as they are, numbers and booleans as text, an
/// absent value as `<none>`.
fn text(v: &Value) -> Box<str> {
    let s = match v {
        Value::String(s) => sanitize::clean(s).into_owned(),
        Value::Null => "<none>".to_string(),
        other => sanitize::clean(&other.to_string()).into_owned(),
    };
    s.into_boxed_str()
}

fn custom_cell(c: &CustomColumn, obj: &Value) -> Cell {
    let Some(v) = jsonpath::first(&c.json_path, obj) else {
        return Cell::Text("<none>".into());
    };
    match (c.type_.as_str(), &v) {
        ("date", Value::String(s)) => s
            .parse::<Timestamp>()
            .map_or_else(|_| Cell::Text(text(&v)), Cell::Since),
        _ => Cell::Text(text(&v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::kinds::tests::kind;
    use serde_json::json;

    fn now() -> Timestamp {
        "2026-01-01T01:00:00Z".parse().unwrap()
    }

    #[test]
    fn selectors_read_as_kubectl_takes_them() {
        assert_eq!(
            selector_text(&json!({"app": "web", "tier": "fe"})).as_deref(),
            Some("app=web,tier=fe")
        );
        let sel = json!({"matchLabels": {"app": "pg"}, "matchExpressions": [
            {"key": "zone", "operator": "In", "values": ["a", "b"]},
            {"key": "canary", "operator": "DoesNotExist"},
            {"key": "tier", "operator": "NotIn", "values": ["db"]},
            {"key": "gpu", "operator": "Exists"}]});
        let text = selector_text(&sel).unwrap();
        assert_eq!(text, "app=pg,zone in (a,b),!canary,tier notin (db),gpu");
        // What kubectl's -l takes, kockpit's parser takes too.
        assert!(crate::selector::LabelSelector::parse(&text).is_ok());
        assert_eq!(selector_text(&json!({})), None);
        assert_eq!(selector_text(&Value::Null), None);
    }

    #[test]
    fn builtin_rows_carry_the_printers_cells_with_age_as_a_moment() {
        let svc = kind("", "services", "Service", &["svc"], true);
        let cols = KindColumns::builtin(&svc);
        let titles: Vec<_> = cols.columns.iter().map(|c| c.title).collect();
        assert_eq!(
            titles,
            [
                "TYPE",
                "CLUSTER-IP",
                "EXTERNAL-IP",
                "PORT(S)",
                "AGE",
                "SELECTOR"
            ]
        );
        assert!(cols.columns[5].wide, "SELECTOR is a wide column");
        let row = cols.project(
            &json!({
                "metadata": {"name": "web\u{1b}[31m", "namespace": "default",
                             "creationTimestamp": "2026-01-01T00:00:00Z", "labels": {"app": "web"}},
                "spec": {"type": "ClusterIP", "clusterIP": "10.0.0.7", "selector": {"app": "web"},
                         "ports": [{"port": 80, "protocol": "TCP"}]}
            }),
            now(),
        );
        assert_eq!(row.name, "web", "control sequences never reach the screen");
        let texts: Vec<String> = row.cells.iter().map(|c| c.text(now()).into()).collect();
        assert_eq!(
            texts,
            [
                "ClusterIP",
                "10.0.0.7",
                "<none>",
                "80/TCP",
                "60m",
                "app=web"
            ]
        );
        assert_eq!(
            row.cells[4],
            Cell::Since("2026-01-01T00:00:00Z".parse().unwrap())
        );
        assert_eq!(row.labels["app"], "web");
    }

    #[test]
    fn custom_rows_follow_printer_columns_and_default_to_age() {
        let crd = json!({"spec": {"versions": [{"name": "v1", "additionalPrinterColumns": [
            {"name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"},
            {"name": "Secret", "type": "string", "jsonPath": ".spec.secretName"},
            {"name": "Issuer", "type": "string", "jsonPath": ".spec.issuerRef.name", "priority": 1},
            {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]}]}});
        let cols = KindColumns::of_crd(&crd, "v1");
        let titles: Vec<_> = cols.columns.iter().map(|c| (c.title, c.wide)).collect();
        assert_eq!(
            titles,
            [
                ("READY", false),
                ("SECRET", false),
                ("ISSUER", true),
                ("AGE", false)
            ]
        );
        let cert = json!({
            "metadata": {"name": "api", "namespace": "web", "creationTimestamp": "2026-01-01T00:30:00Z"},
            "spec": {"secretName": "api-tls"},
            "status": {"conditions": [{"type": "Ready", "status": "False"}]}
        });
        let texts: Vec<String> = cols
            .project(&cert, now())
            .cells
            .iter()
            .map(|c| c.text(now()).into())
            .collect();
        assert_eq!(texts, ["False", "api-tls", "<none>", "30m"]);

        let plain = KindColumns::of_crd(&crd, "v2");
        assert_eq!(plain.columns[0].title, "AGE");
        assert_eq!(plain.project(&cert, now()).cells[0].text(now()), "30m");
    }

    #[test]
    fn kinds_without_a_printer_get_the_default_convertor_columns() {
        let role = kind("rbac.authorization.k8s.io", "roles", "Role", &[], true);
        let cols = KindColumns::builtin(&role);
        assert_eq!(cols.columns[0].title, "CREATED AT");
        let row = cols.project(
            &json!({"metadata": {"name": "r", "namespace": "a", "creationTimestamp": "2026-01-01T00:00:00Z"}}),
            now(),
        );
        assert_eq!(row.cells[0].text(now()), "2026-01-01T00:00:00Z");
    }
}
