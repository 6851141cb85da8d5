//! Printers for the batch/v1 kinds.

use jiff::Timestamp;
use k8s_openapi::api::batch::v1::{CronJob, Job, JobCondition};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use serde_json::{Value, json};

use super::{
    AGE, CONTAINERS, IMAGES, NAME, Printer, SELECTOR, age, col, container_cells,
    format_label_selector, name, parse, template_containers,
};
use crate::printers::age::{age_of, human_duration, since};

pub(super) static JOB: Printer = Printer {
    columns: &[
        NAME,
        col("Status", "string", "Status of the job."),
        col(
            "Completions",
            "string",
            "The number of pods which reached phase Succeeded.",
        ),
        col("Duration", "string", "Time required to complete the job."),
        AGE,
        CONTAINERS,
        IMAGES,
        SELECTOR,
    ],
    cells: |obj, now| parse(obj).map(|o| job_cells(&o, now)),
};

/// Whether the first condition of this type is True.
fn job_condition(conditions: &[JobCondition], type_: &str) -> bool {
    conditions
        .iter()
        .find(|c| c.type_ == type_)
        .is_some_and(|c| c.status == "True")
}

fn job_cells(job: &Job, now: Timestamp) -> Vec<Value> {
    let spec = job.spec.as_ref();
    let status = job.status.as_ref();
    let succeeded = status.and_then(|s| s.succeeded).unwrap_or(0);
    let completions = match spec.and_then(|s| s.completions) {
        Some(c) => format!("{succeeded}/{c}"),
        None => match spec.and_then(|s| s.parallelism).unwrap_or(0) {
            p if p > 1 => format!("{succeeded}/1 of {p}"),
            _ => format!("{succeeded}/1"),
        },
    };
    let start = status.and_then(|s| s.start_time.as_ref());
    let end = status.and_then(|s| s.completion_time.as_ref());
    let duration = match (start, end) {
        (None, _) => String::new(),
        (Some(Time(start)), None) => since(*start, now),
        (Some(Time(start)), Some(Time(end))) => human_duration(end.duration_since(*start)),
    };
    let conditions = status
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default();
    let state = if job_condition(conditions, "Complete") {
        "Complete"
    } else if job_condition(conditions, "Failed") {
        "Failed"
    } else if job.metadata.deletion_timestamp.is_some() {
        "Terminating"
    } else if job_condition(conditions, "Suspended") {
        "Suspended"
    } else if job_condition(conditions, "FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    };
    let [names, images] = container_cells(template_containers(spec.map(|s| &s.template)));
    vec![
        name(&job.metadata),
        json!(state),
        json!(completions),
        json!(duration),
        age(&job.metadata, now),
        names,
        images,
        json!(format_label_selector(
            spec.and_then(|s| s.selector.as_ref())
        )),
    ]
}

pub(super) static CRON_JOB: Printer = Printer {
    columns: &[
        NAME,
        col("Schedule", "string", "The schedule in Cron format."),
        col(
            "Timezone",
            "string",
            "The time zone name for the given schedule.",
        ),
        col(
            "Suspend",
            "boolean",
            "This flag tells the controller to suspend subsequent executions.",
        ),
        col(
            "Active",
            "integer",
            "A list of pointers to currently running jobs.",
        ),
        col(
            "Last Schedule",
            "string",
            "Information when was the last time the job was successfully scheduled.",
        ),
        AGE,
        CONTAINERS,
        IMAGES,
        SELECTOR,
    ],
    cells: |obj, now| parse(obj).map(|o| cron_job_cells(&o, now)),
};

fn cron_job_cells(cj: &CronJob, now: Timestamp) -> Vec<Value> {
    let spec = cj.spec.as_ref();
    let status = cj.status.as_ref();
    let job_spec = spec.and_then(|s| s.job_template.spec.as_ref());
    let suspend = match spec.and_then(|s| s.suspend) {
        Some(true) => "True",
        Some(false) => "False",
        None => "<unset>",
    };
    let last_schedule = status
        .and_then(|s| s.last_schedule_time.as_ref())
        .map_or_else(|| "<none>".to_string(), |t| age_of(Some(t), now));
    let [names, images] = container_cells(template_containers(job_spec.map(|s| &s.template)));
    vec![
        name(&cj.metadata),
        json!(spec.map(|s| s.schedule.clone()).unwrap_or_default()),
        json!(
            spec.and_then(|s| s.time_zone.clone())
                .unwrap_or_else(|| "<none>".to_string())
        ),
        json!(suspend),
        json!(
            status
                .and_then(|s| s.active.as_ref())
                .map_or(0, |a| a.len())
        ),
        json!(last_schedule),
        age(&cj.metadata, now),
        names,
        images,
        json!(format_label_selector(
            job_spec.and_then(|s| s.selector.as_ref())
        )),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::cells;
    use super::super::tests::{meta, now};
    use serde_json::{Value, json};

    #[test]
    fn job_row_shows_status_completions_and_duration() {
        let job = |spec: Value, status: Value| {
            cells(
                "Job",
                &json!({"metadata": meta("j"), "spec": spec, "status": status}),
                now(),
            )
        };
        let done = job(
            json!({"completions": 3, "template": {}}),
            json!({"succeeded": 3, "startTime": "2025-06-01T11:55:00Z",
                   "completionTime": "2025-06-01T11:56:30Z",
                   "conditions": [{"type": "Complete", "status": "True"}]}),
        );
        assert_eq!(
            &done[1..4],
            &[json!("Complete"), json!("3/3"), json!("90s")]
        );
        let running = job(
            json!({"parallelism": 2, "template": {}}),
            json!({"startTime": "2025-06-01T11:00:00Z"}),
        );
        assert_eq!(
            &running[1..4],
            &[json!("Running"), json!("0/1 of 2"), json!("60m")]
        );
        let fresh = job(json!({"template": {}}), json!({}));
        assert_eq!(&fresh[1..4], &[json!("Running"), json!("0/1"), json!("")]);
    }

    #[test]
    fn cron_job_row_shows_schedule_and_last_run() {
        let cj = json!({"metadata": meta("nightly"),
            "spec": {"schedule": "0 3 * * *", "suspend": false, "jobTemplate": {"spec": {"template": {}}}},
            "status": {"active": [{"name": "nightly-1"}], "lastScheduleTime": "2025-06-01T03:00:00Z"}});
        assert_eq!(
            &cells("CronJob", &cj, now())[..7],
            &[
                json!("nightly"),
                json!("0 3 * * *"),
                json!("<none>"),
                json!("False"),
                json!(1),
                json!("9h"),
                json!("5m12s"),
            ]
        );
    }
}
