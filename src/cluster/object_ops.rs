//! Mutations on one object of any kind, one kube-rs call each (a Job from a CronJob reads the
//! CronJob first): delete, scale through `/scale`, rollout restart, create a Job from a
//! CronJob, suspend / resume. Objects are `DynamicObject`s typed by their discovery entry.

use kube::Api;
use kube::api::{DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

use super::kinds::KindInfo;
use super::ops::OpError;

fn api(client: &kube::Client, kind: &KindInfo, ns: &str) -> Api<DynamicObject> {
    let ar = kind.api_resource();
    if kind.namespaced {
        Api::namespaced_with(client.clone(), ns, &ar)
    } else {
        Api::all_with(client.clone(), &ar)
    }
}

/// `statefulset postgres/postgres`, `namespace web`: how errors name the object.
fn what(kind: &KindInfo, ns: &str, name: &str) -> String {
    let kind = kind.kind.to_lowercase();
    if ns.is_empty() {
        format!("{kind} {name}")
    } else {
        format!("{kind} {ns}/{name}")
    }
}

/// Deletes with background propagation, as `kubectl delete` does.
pub async fn delete(
    client: &kube::Client,
    kind: &KindInfo,
    ns: &str,
    name: &str,
) -> Result<(), OpError> {
    api(client, kind, ns)
        .delete(name, &DeleteParams::background())
        .await
        .map(drop)
        .map_err(|e| OpError::from_kube("delete", &what(kind, ns, name), e))
}

/// Sets `spec.replicas` through the scale subresource with the merge patch `kubectl scale` sends.
pub async fn scale(
    client: &kube::Client,
    kind: &KindInfo,
    ns: &str,
    name: &str,
    replicas: i32,
) -> Result<(), OpError> {
    let patch = json!({"spec": {"replicas": replicas}});
    api(client, kind, ns)
        .patch_scale(name, &PatchParams::default(), &Patch::Merge(patch))
        .await
        .map(drop)
        .map_err(|e| OpError::from_kube("scale", &what(kind, ns, name), e))
}

/// Stamps `kubectl.kubernetes.io/restartedAt` on the pod template with the strategic merge
/// patch `kubectl rollout restart` sends.
pub async fn rollout_restart(
    client: &kube::Client,
    kind: &KindInfo,
    ns: &str,
    name: &str,
) -> Result<(), OpError> {
    let patch = json!({"spec": {"template": {"metadata": {"annotations": {
        "kubectl.kubernetes.io/restartedAt": jiff::Timestamp::now().to_string()
    }}}}});
    api(client, kind, ns)
        .patch(name, &PatchParams::default(), &Patch::Strategic(patch))
        .await
        .map(drop)
        .map_err(|e| OpError::from_kube("rollout restart", &what(kind, ns, name), e))
}

/// Sets a CronJob's `spec.suspend` with a merge patch.
pub async fn suspend(
    client: &kube::Client,
    kind: &KindInfo,
    ns: &str,
    name: &str,
    on: bool,
) -> Result<(), OpError> {
    let patch = json!({"spec": {"suspend": on}});
    let action = if on { "suspend" } else { "resume" };
    api(client, kind, ns)
        .patch(name, &PatchParams::default(), &Patch::Merge(patch))
        .await
        .map(drop)
        .map_err(|e| OpError::from_kube(action, &what(kind, ns, name), e))
}

/// Creates Job `job` from CronJob `ns/cronjob` (`kind` the CronJob's discovery entry), as
/// `kubectl create job JOB --from=cronjob/CRONJOB` does.
pub async fn create_job_from_cronjob(
    client: &kube::Client,
    kind: &KindInfo,
    ns: &str,
    cronjob: &str,
    job: &str,
) -> Result<(), OpError> {
    let action = "create job";
    let cj = api(client, kind, ns)
        .get(cronjob)
        .await
        .map_err(|e| OpError::from_kube(action, &what(kind, ns, cronjob), e))?;
    let failed = |message: String| OpError::Failed {
        action: action.into(),
        message,
    };
    let cj = serde_json::to_value(&cj).map_err(|e| failed(e.to_string()))?;
    let body: DynamicObject = serde_json::from_value(job_from_cronjob(&cj, job)).map_err(|e| {
        failed(format!(
            "the Job built from the CronJob does not parse: {e}"
        ))
    })?;
    let jobs = KindInfo::builtin("Job").ok_or_else(|| failed("no Job kind".into()))?;
    api(client, &jobs, ns)
        .create(&PostParams::default(), &body)
        .await
        .map(drop)
        .map_err(|e| OpError::from_kube(action, &format!("job {ns}/{job}"), e))
}

/// The Job `kubectl create job NAME --from=cronjob/X` builds from CronJob `cronjob` (JSON as the
/// API returns it): the jobTemplate's spec and labels, its annotations over
/// `cronjob.kubernetes.io/instantiate: manual`, and the CronJob as controlling owner.
pub fn job_from_cronjob(cronjob: &Value, name: &str) -> Value {
    let template = &cronjob["spec"]["jobTemplate"];
    let mut annotations = serde_json::Map::new();
    annotations.insert("cronjob.kubernetes.io/instantiate".into(), json!("manual"));
    if let Some(a) = template["metadata"]["annotations"].as_object() {
        annotations.extend(a.clone());
    }
    let mut metadata = json!({
        "name": name,
        "namespace": cronjob["metadata"]["namespace"],
        "annotations": annotations,
        "ownerReferences": [{
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "name": cronjob["metadata"]["name"],
            "uid": cronjob["metadata"]["uid"],
            "controller": true,
        }],
    });
    if let Some(labels) = template["metadata"]["labels"].as_object() {
        metadata["labels"] = json!(labels);
    }
    json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata,
        "spec": template["spec"],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_job_carries_the_templates_spec_labels_annotations_and_its_owner() {
        let cj = json!({
            "apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": "postgres-backup", "namespace": "postgres", "uid": "u-1",
                         "labels": {"cronjob-only": "x"}},
            "spec": {"schedule": "0 3 * * *", "jobTemplate": {
                "metadata": {"labels": {"app": "backup"}, "annotations": {"team": "db"}},
                "spec": {"backoffLimit": 2, "template": {"spec": {"restartPolicy": "Never",
                    "containers": [{"name": "dump", "image": "postgres:16"}]}}}}}
        });
        let job = job_from_cronjob(&cj, "postgres-backup-manual-abc");
        assert_eq!(job["kind"], "Job");
        assert_eq!(job["metadata"]["name"], "postgres-backup-manual-abc");
        assert_eq!(job["metadata"]["namespace"], "postgres");
        assert_eq!(job["metadata"]["labels"], json!({"app": "backup"}));
        assert_eq!(
            job["metadata"]["annotations"],
            json!({"cronjob.kubernetes.io/instantiate": "manual", "team": "db"})
        );
        assert_eq!(
            job["metadata"]["ownerReferences"],
            json!([{"apiVersion": "batch/v1", "kind": "CronJob", "name": "postgres-backup",
                    "uid": "u-1", "controller": true}])
        );
        assert_eq!(job["spec"], cj["spec"]["jobTemplate"]["spec"]);
        assert!(serde_json::from_value::<DynamicObject>(job).is_ok());
    }

    #[test]
    fn a_template_without_labels_gives_a_job_without_labels() {
        let cj = json!({"metadata": {"name": "x", "namespace": "d", "uid": "u"},
                        "spec": {"jobTemplate": {"spec": {}}}});
        let job = job_from_cronjob(&cj, "x-manual-1");
        assert!(job["metadata"].get("labels").is_none(), "{job}");
        assert_eq!(
            job["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"],
            "manual"
        );
    }
}
