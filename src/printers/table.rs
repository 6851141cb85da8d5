//! Placeholder until the printers branch lands (merge replaces this file).
pub struct Column {
    pub name: &'static str,
    pub type_: &'static str,
    pub format: &'static str,
    pub description: &'static str,
    pub priority: i32,
}
static NAME_AGE: &[Column] = &[
    Column { name: "Name", type_: "string", format: "name", description: "", priority: 0 },
    Column { name: "Created At", type_: "date", format: "", description: "", priority: 0 },
];
pub fn columns(_kind: &str) -> &'static [Column] {
    NAME_AGE
}
pub fn cells(_kind: &str, obj: &serde_json::Value, _now: jiff::Timestamp) -> Vec<serde_json::Value> {
    vec![obj["metadata"]["name"].clone(), obj["metadata"]["creationTimestamp"].clone()]
}
