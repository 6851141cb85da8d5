//! Job and CronJob controllers: jobs run pods to completion; cron jobs start jobs on schedule
//! and keep a bounded history.

use std::time::Duration;

use serde_json::{Value, json};

use super::events;
use super::kubelet::RUN_SECONDS;
use super::podutil::{create_owned_pod, from_template, is_terminal};
use crate::sim::api::{DeleteOptions, delete_object};
use crate::sim::cluster::{Cluster, rt};
use crate::sim::store::now_rfc3339;

pub fn reconcile_job(cluster: &Cluster, ns: &str, name: &str) {
    let jobs = rt("batch", "jobs");
    let Some(obj) = cluster.store.try_get(jobs, ns, name) else {
        return;
    };
    if obj.terminating {
        return;
    }
    let job = obj.value();
    let uid = obj.uid.clone();
    let all: Vec<Value> = cluster
        .store
        .list(rt("", "pods"), Some(ns), None)
        .0
        .iter()
        .filter(|p| p.owner.as_deref() == Some(uid.as_str()))
        .map(|p| p.value())
        .collect();
    let phase = |v: &Value| {
        v["status"]["phase"]
            .as_str()
            .unwrap_or("Pending")
            .to_string()
    };
    let succeeded = all.iter().filter(|p| phase(p) == "Succeeded").count() as i64;
    let failed = all.iter().filter(|p| phase(p) == "Failed").count() as i64;
    let active = all
        .iter()
        .filter(|p| !is_terminal(p) && p["metadata"]["deletionTimestamp"].is_null())
        .count() as i64;
    let completions = job["spec"]["completions"].as_i64().unwrap_or(1);
    let parallelism = job["spec"]["parallelism"].as_i64().unwrap_or(1);
    let backoff_limit = job["spec"]["backoffLimit"].as_i64().unwrap_or(6);
    let finished = job["status"]["conditions"].as_array().is_some_and(|c| {
        c.iter()
            .any(|c| (c["type"] == "Complete" || c["type"] == "Failed") && c["status"] == "True")
    });
    if finished {
        return;
    }
    let now = now_rfc3339();
    let complete = succeeded >= completions;
    let failed_out = failed > backoff_limit;
    if !complete && !failed_out && job["spec"]["suspend"] != true {
        let want = parallelism.min(completions - succeeded) - active;
        for _ in 0..want.max(0) {
            let labels = [
                ("batch.kubernetes.io/controller-uid", uid.clone()),
                ("batch.kubernetes.io/job-name", name.to_string()),
                ("controller-uid", uid.clone()),
                ("job-name", name.to_string()),
            ];
            let mut pod = from_template(&job, &job["spec"]["template"], &labels, None);
            if pod["metadata"]["annotations"][RUN_SECONDS].is_null() {
                pod["metadata"]["annotations"][RUN_SECONDS] = json!("5");
            }
            create_owned_pod(cluster, &job, pod, "job-controller");
        }
    }
    if complete {
        events::record(
            cluster,
            &job,
            "Normal",
            "Completed",
            "Job completed",
            "job-controller",
        );
    }
    let _ = cluster.store.update(jobs, ns, name, |v| {
        let mut status = json!({
            "startTime": v["status"]["startTime"].as_str().map(str::to_string).unwrap_or(now.clone()),
            "active": if complete || failed_out { 0 } else { active.max(0) },
            "ready": 0,
            "terminating": 0,
            "uncountedTerminatedPods": {},
        });
        if succeeded > 0 {
            status["succeeded"] = json!(succeeded);
        }
        if failed > 0 {
            status["failed"] = json!(failed);
        }
        if complete {
            status["completionTime"] = json!(now);
            status["conditions"] = json!([
                {"type": "SuccessCriteriaMet", "status": "True", "lastProbeTime": now, "lastTransitionTime": now},
                {"type": "Complete", "status": "True", "lastProbeTime": now, "lastTransitionTime": now},
            ]);
        } else if failed_out {
            status["conditions"] = json!([{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit", "lastProbeTime": now, "lastTransitionTime": now}]);
        }
        v["status"] = status;
        Ok(true)
    });
}

/// Pure: the minute interval of a cron schedule the simulator understands
/// (`*/N * * * *`, `* * * * *`, `M * * * *` as hourly); None for anything else.
pub fn every_minutes(schedule: &str) -> Option<i64> {
    let fields: Vec<&str> = schedule.split_whitespace().collect();
    if fields.len() != 5 || fields[1..].iter().any(|f| *f != "*") {
        return None;
    }
    match fields[0] {
        "*" => Some(1),
        m if m.starts_with("*/") => m[2..].parse().ok().filter(|n| *n > 0),
        m => m
            .parse::<i64>()
            .ok()
            .filter(|n| (0..60).contains(n))
            .map(|_| 60),
    }
}

/// Starts due jobs; returns when the next one is due.
pub fn reconcile_cronjob(cluster: &Cluster, ns: &str, name: &str) -> Option<Duration> {
    let cjs = rt("batch", "cronjobs");
    let jobs_rt = rt("batch", "jobs");
    let obj = cluster.store.try_get(cjs, ns, name)?;
    let cj = obj.value();
    let every = every_minutes(cj["spec"]["schedule"].as_str().unwrap_or_default())? * 60;
    let now = jiff::Timestamp::now().as_second();
    let slot = now - now % every;
    let mut owned: Vec<Value> = cluster
        .store
        .list(jobs_rt, Some(ns), None)
        .0
        .iter()
        .filter(|j| j.owner.as_deref() == Some(obj.uid.as_str()))
        .map(|j| j.value())
        .collect();
    owned.sort_by_key(|j| {
        j["metadata"]["creationTimestamp"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    });
    let last = cj["status"]["lastScheduleTime"]
        .as_str()
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .map(|t| t.as_second());
    let created_at = cj["metadata"]["creationTimestamp"]
        .as_str()
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .map_or(now, |t| t.as_second());
    let due = last.is_none_or(|l| l < slot) && slot >= created_at && cj["spec"]["suspend"] != true;
    let mut last_schedule = last;
    if due {
        let job_name = format!("{name}-{}", slot / 60);
        let tpl = &cj["spec"]["jobTemplate"];
        let job = json!({
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {
                "name": job_name,
                "namespace": ns,
                "labels": tpl["metadata"]["labels"],
                "annotations": {"batch.kubernetes.io/cronjob-scheduled-timestamp": jiff::Timestamp::from_second(slot).map(|t| t.to_string()).unwrap_or_default()},
                "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob", "name": name, "uid": obj.uid, "controller": true, "blockOwnerDeletion": true}],
            },
            "spec": tpl["spec"],
        });
        let mut job = job;
        crate::sim::defaults::apply(jobs_rt, &mut job);
        if cluster.store.create(jobs_rt, job.clone()).is_ok() {
            events::record(
                cluster,
                &cj,
                "Normal",
                "SuccessfulCreate",
                &format!("Created job {job_name}"),
                "cronjob-controller",
            );
            owned.push(job);
        }
        last_schedule = Some(slot);
    }
    let done = |j: &Value| {
        j["status"]["conditions"].as_array().is_some_and(|c| {
            c.iter()
                .any(|c| c["type"] == "Complete" && c["status"] == "True")
        })
    };
    let keep = cj["spec"]["successfulJobsHistoryLimit"]
        .as_i64()
        .unwrap_or(3) as usize;
    let finished: Vec<&Value> = owned.iter().filter(|j| done(j)).collect();
    for j in finished.iter().take(finished.len().saturating_sub(keep)) {
        let _ = delete_object(
            cluster,
            jobs_rt,
            ns,
            j["metadata"]["name"].as_str().unwrap_or_default(),
            &DeleteOptions::default(),
        );
    }
    let active: Vec<Value> = owned
        .iter()
        .filter(|j| !done(j))
        .map(|j| json!({"kind": "Job", "namespace": ns, "name": j["metadata"]["name"], "uid": j["metadata"]["uid"], "apiVersion": "batch/v1"}))
        .collect();
    let last_success = finished
        .last()
        .and_then(|j| j["status"]["completionTime"].as_str().map(str::to_string));
    let _ = cluster.store.update(cjs, ns, name, |v| {
        let mut status = json!({});
        if let Some(l) = last_schedule.and_then(|s| jiff::Timestamp::from_second(s).ok()) {
            status["lastScheduleTime"] = json!(l.to_string());
        }
        if let Some(s) = &last_success {
            status["lastSuccessfulTime"] = json!(s);
        }
        if !active.is_empty() {
            status["active"] = json!(active);
        }
        v["status"] = status;
        Ok(true)
    });
    Some(Duration::from_secs((slot + every - now).max(1) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_minute_schedules_parse() {
        assert_eq!(every_minutes("*/5 * * * *"), Some(5));
        assert_eq!(every_minutes("* * * * *"), Some(1));
        assert_eq!(every_minutes("7 * * * *"), Some(60));
        assert_eq!(every_minutes("0 3 * * 1"), None);
        assert_eq!(every_minutes("*/0 * * * *"), None);
    }
}
