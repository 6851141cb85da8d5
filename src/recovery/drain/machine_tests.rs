//! Every transition of the drain machine, driven with hand-made snapshots and times.

use super::*;
use crate::recovery::plan::{PodPlan, STUCK_FINALIZERS};

const NODE: &str = "n1";

fn t(secs: i64) -> Timestamp {
    Timestamp::from_second(1_767_225_600 + secs).unwrap()
}

fn options() -> DrainOptions {
    DrainOptions {
        retry_blocked_for: Duration::from_secs(60),
        backoff: Duration::from_secs(5),
    }
}

fn pod(name: &str, class: PodClass) -> PodPlan {
    PodPlan {
        namespace: "default".into(),
        name: name.into(),
        class,
        warnings: Vec::new(),
    }
}

fn key(name: &str) -> Key {
    ("default".into(), name.into())
}

fn snapshot(pods: Vec<PodPlan>) -> DrainPlan {
    DrainPlan {
        node: NODE.into(),
        node_ready: true,
        cordoned: true,
        pods,
    }
}

fn pdb_blocked() -> PodClass {
    PodClass::PdbBlocked {
        pdb: "keycloak".into(),
        min_available: Some("1".into()),
        max_unavailable: None,
        allowed: 0,
    }
}

fn progress(
    evicted: usize,
    waiting: usize,
    blocked: usize,
    remaining: usize,
    skipped: usize,
) -> Progress {
    Progress {
        evicted,
        waiting,
        blocked,
        remaining,
        skipped,
    }
}

/// A machine past the cordon, waiting for its first snapshot.
fn cordoned() -> DrainRun {
    let mut m = DrainRun::new("prod", NODE, options());
    assert_eq!(m.step(Input::Start, t(0)), vec![Effect::Cordon]);
    m.step(Input::Cordoned(Ok(())), t(0));
    m
}

fn evicts(effects: &[Effect]) -> Vec<Key> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Evict(k) => Some(k.clone()),
            _ => None,
        })
        .collect()
}

fn pod_events(effects: &[Effect]) -> Vec<(String, PodState, String)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Report(DrainEvent::Pod {
                name,
                state,
                reason,
                ..
            }) => Some((name.clone(), state.clone(), reason.clone())),
            _ => None,
        })
        .collect()
}

fn finished(effects: &[Effect]) -> Option<Progress> {
    effects.iter().find_map(|e| match e {
        Effect::Report(DrainEvent::Finished { progress, .. }) => Some(*progress),
        _ => None,
    })
}

fn state(m: &DrainRun, name: &str) -> Option<PodState> {
    m.pod("default", name).and_then(|p| p.state.clone())
}

fn refused(name: &str) -> Input {
    Input::Evicted {
        key: key(name),
        outcome: EvictOutcome::Refused(
            "The disruption budget keycloak needs 1 healthy pods".into(),
        ),
    }
}

#[test]
fn planned_then_cordoned_then_evicting() {
    let mut m = DrainRun::new("prod", NODE, options());
    assert_eq!(*m.phase(), Phase::Planned);
    assert_eq!(m.step(Input::Tick, t(0)), vec![]);
    assert_eq!(m.step(Input::Start, t(0)), vec![Effect::Cordon]);
    assert_eq!(*m.phase(), Phase::Cordoning);
    assert_eq!(
        m.step(Input::Start, t(0)),
        vec![],
        "a second start does nothing"
    );
    assert_eq!(
        m.step(Input::Cordoned(Ok(())), t(0)),
        vec![Effect::Report(DrainEvent::Cordoned {
            node: NODE.into(),
            kubectl: "kubectl --context prod cordon n1".into()
        })]
    );
    assert_eq!(*m.phase(), Phase::Cordoned);
    assert_eq!(m.progress(), Progress::default());

    let plan = snapshot(vec![pod("web", PodClass::Evictable)]);
    let out = m.step(Input::Snapshot(plan.clone()), t(1));
    assert_eq!(
        out,
        vec![
            Effect::Report(DrainEvent::Planned(plan)),
            Effect::Evict(key("web"))
        ]
    );
    assert_eq!(*m.phase(), Phase::Evicting);
    assert_eq!(m.attempt(), 1);
    assert_eq!(m.deadline(), Some(t(61)));
    assert_eq!(
        m.progress(),
        progress(0, 0, 0, 1, 0),
        "an unanswered eviction remains"
    );
}

#[test]
fn a_snapshot_of_another_node_or_before_the_cordon_is_ignored() {
    let mut m = DrainRun::new("prod", NODE, options());
    let plan = snapshot(vec![pod("web", PodClass::Evictable)]);
    assert_eq!(m.step(Input::Snapshot(plan.clone()), t(0)), vec![]);
    let mut m = cordoned();
    let mut other = plan;
    other.node = "n2".into();
    assert_eq!(m.step(Input::Snapshot(other), t(0)), vec![]);
    assert_eq!(*m.phase(), Phase::Cordoned);
}

#[test]
fn accepted_eviction_then_gone_from_a_snapshot_counts_evicted_and_drains() {
    let mut m = cordoned();
    m.step(
        Input::Snapshot(snapshot(vec![
            pod("web", PodClass::Evictable),
            pod("kube-router-x", PodClass::DaemonSet),
        ])),
        t(1),
    );
    let out = m.step(
        Input::Evicted {
            key: key("web"),
            outcome: EvictOutcome::Accepted,
        },
        t(1),
    );
    assert_eq!(
        pod_events(&out),
        [("web".into(), PodState::Evicted, "eviction accepted".into())]
    );
    assert_eq!(
        out.last(),
        Some(&Effect::Report(DrainEvent::Progress(progress(
            0, 1, 0, 1, 1
        ))))
    );
    assert_eq!(*m.phase(), Phase::Evicting, "waiting for the pod to go");

    // Still there, shutting down: nothing changes.
    let out = m.step(
        Input::Snapshot(snapshot(vec![
            pod("web", PodClass::Terminating),
            pod("kube-router-x", PodClass::DaemonSet),
        ])),
        t(6),
    );
    assert!(pod_events(&out).is_empty());
    assert_eq!(state(&m, "web"), Some(PodState::Evicted));

    let out = m.step(
        Input::Snapshot(snapshot(vec![pod("kube-router-x", PodClass::DaemonSet)])),
        t(11),
    );
    assert_eq!(
        pod_events(&out),
        [("web".into(), PodState::Gone, "no longer on the node".into())]
    );
    assert_eq!(*m.phase(), Phase::Drained);
    assert_eq!(finished(&out), Some(progress(1, 0, 0, 0, 1)));
    assert_eq!(m.progress(), progress(1, 0, 0, 0, 1));
    assert_eq!(m.step(Input::Tick, t(100)), vec![], "drained is final");
}

#[test]
fn eviction_of_a_pod_already_gone_or_failing() {
    let mut m = cordoned();
    m.step(
        Input::Snapshot(snapshot(vec![
            pod("a", PodClass::Evictable),
            pod("b", PodClass::EmptyDir),
        ])),
        t(1),
    );
    let out = m.step(
        Input::Evicted {
            key: key("a"),
            outcome: EvictOutcome::Gone,
        },
        t(1),
    );
    assert_eq!(
        pod_events(&out),
        [("a".into(), PodState::Gone, "already gone".into())]
    );
    assert!(finished(&out).is_none(), "b is still unanswered");
    let out = m.step(
        Input::Evicted {
            key: key("b"),
            outcome: EvictOutcome::Failed("boom".into()),
        },
        t(1),
    );
    assert_eq!(
        pod_events(&out),
        [("b".into(), PodState::Failed, "boom".into())]
    );
    // Nothing the drain can still move: the failed pod is the operator's.
    assert_eq!(*m.phase(), Phase::Escalation);
    assert_eq!(finished(&out), Some(progress(1, 0, 1, 1, 0)));
}

#[test]
fn refused_eviction_retries_after_backoff_with_the_next_attempt() {
    let mut m = cordoned();
    m.step(
        Input::Snapshot(snapshot(vec![pod("kc", pdb_blocked())])),
        t(0),
    );
    let out = m.step(refused("kc"), t(2));
    assert_eq!(pod_events(&out)[0].1, PodState::Blocked { attempt: 1 });
    assert!(pod_events(&out)[0].2.contains("needs 1 healthy pods"));
    assert_eq!(
        *m.phase(),
        Phase::Retrying {
            attempt: 1,
            next_at: t(7)
        }
    );
    assert_eq!(m.progress(), progress(0, 0, 1, 1, 0));
    assert_eq!(m.wake_at(), Some(t(7)));

    assert_eq!(m.step(Input::Tick, t(6)), vec![], "before next_at nothing");
    let out = m.step(
        Input::Snapshot(snapshot(vec![pod("kc", pdb_blocked())])),
        t(6),
    );
    assert!(evicts(&out).is_empty(), "a snapshot does not retry early");
    assert!(matches!(m.phase(), Phase::Retrying { next_at, .. } if *next_at == t(7)));

    assert_eq!(m.step(Input::Tick, t(7)), vec![Effect::Evict(key("kc"))]);
    assert_eq!(m.attempt(), 2);
    assert_eq!(*m.phase(), Phase::Evicting);
    let out = m.step(refused("kc"), t(8));
    assert_eq!(pod_events(&out)[0].1, PodState::Blocked { attempt: 2 });
    assert_eq!(
        *m.phase(),
        Phase::Retrying {
            attempt: 2,
            next_at: t(13)
        }
    );
}

#[test]
fn retry_window_over_escalates_the_blocked_pod_then_a_snapshot_without_it_drains() {
    let mut m = cordoned();
    m.step(
        Input::Snapshot(snapshot(vec![
            pod("kc", pdb_blocked()),
            pod("kr", PodClass::DaemonSet),
        ])),
        t(0),
    );
    m.step(refused("kc"), t(0));
    assert_eq!(m.wake_at(), Some(t(5)));
    let mut now = 5;
    while now < 60 {
        assert_eq!(m.step(Input::Tick, t(now)), vec![Effect::Evict(key("kc"))]);
        m.step(refused("kc"), t(now));
        now += 5;
    }
    assert_eq!(m.attempt(), 12);
    assert_eq!(m.wake_at(), Some(t(60)), "the window's end comes first");
    let out = m.step(Input::Tick, t(60));
    assert!(evicts(&out).is_empty());
    assert_eq!(*m.phase(), Phase::Escalation);
    assert!(m.phase().settled());
    assert_eq!(state(&m, "kc"), Some(PodState::NeedsEscalation));
    assert!(
        m.pod("default", "kc")
            .unwrap()
            .reason
            .contains("needs 1 healthy"),
        "the last refusal stays the reason"
    );
    assert_eq!(finished(&out), Some(progress(0, 0, 1, 1, 1)));
    assert_eq!(
        m.step(Input::Tick, t(70)),
        vec![],
        "no retries after the window"
    );

    // The operator force-deletes it; the next snapshot notices.
    let out = m.step(
        Input::Snapshot(snapshot(vec![pod("kr", PodClass::DaemonSet)])),
        t(80),
    );
    assert_eq!(
        pod_events(&out),
        [("kc".into(), PodState::Gone, "no longer on the node".into())]
    );
    assert_eq!(*m.phase(), Phase::Drained);
    assert_eq!(finished(&out), Some(progress(1, 0, 0, 0, 1)));
}

#[test]
fn window_over_with_evicted_pods_still_there_escalates_and_keeps_counting() {
    let mut m = cordoned();
    m.step(
        Input::Snapshot(snapshot(vec![pod("web", PodClass::Evictable)])),
        t(0),
    );
    m.step(
        Input::Evicted {
            key: key("web"),
            outcome: EvictOutcome::Accepted,
        },
        t(0),
    );
    assert_eq!(m.step(Input::Tick, t(30)), vec![]);
    let out = m.step(Input::Tick, t(61));
    assert_eq!(*m.phase(), Phase::Escalation);
    assert_eq!(finished(&out), Some(progress(0, 1, 0, 1, 0)));
    let out = m.step(
        Input::Snapshot(snapshot(vec![pod("web", PodClass::Terminating)])),
        t(62),
    );
    assert_eq!(
        out,
        vec![Effect::Report(DrainEvent::Progress(progress(
            0, 1, 0, 1, 0
        )))]
    );
    m.step(Input::Snapshot(snapshot(vec![])), t(63));
    assert_eq!(*m.phase(), Phase::Drained);
}

#[test]
fn unmanaged_and_stuck_pods_need_escalation_straight_away() {
    let mut m = cordoned();
    let stuck = PodClass::StuckTerminating {
        reason: STUCK_FINALIZERS.into(),
    };
    let out = m.step(
        Input::Snapshot(snapshot(vec![
            pod("debug-shell", PodClass::Unmanaged),
            pod("held", stuck.clone()),
        ])),
        t(0),
    );
    assert!(evicts(&out).is_empty(), "the drain touches neither");
    assert_eq!(
        pod_events(&out),
        [
            (
                "debug-shell".into(),
                PodState::NeedsEscalation,
                PodClass::Unmanaged.describe()
            ),
            ("held".into(), PodState::NeedsEscalation, stuck.describe()),
        ]
    );
    assert_eq!(*m.phase(), Phase::Escalation, "nothing for the drain to do");
    assert_eq!(finished(&out), Some(progress(0, 0, 2, 2, 0)));
}

#[test]
fn an_evicted_pod_that_gets_stuck_needs_escalation() {
    let mut m = cordoned();
    m.step(
        Input::Snapshot(snapshot(vec![
            pod("web", PodClass::Evictable),
            pod("t", PodClass::Terminating),
        ])),
        t(0),
    );
    m.step(
        Input::Evicted {
            key: key("web"),
            outcome: EvictOutcome::Accepted,
        },
        t(0),
    );
    assert_eq!(m.progress(), progress(0, 2, 0, 2, 0));
    let stuck = PodClass::StuckTerminating {
        reason: STUCK_FINALIZERS.into(),
    };
    let out = m.step(
        Input::Snapshot(snapshot(vec![
            pod("web", stuck.clone()),
            pod("t", stuck.clone()),
        ])),
        t(40),
    );
    assert_eq!(
        pod_events(&out),
        [
            ("t".into(), PodState::NeedsEscalation, stuck.describe()),
            ("web".into(), PodState::NeedsEscalation, stuck.describe()),
        ]
    );
    assert_eq!(*m.phase(), Phase::Escalation);
}

#[test]
fn daemonset_mirror_and_completed_pods_are_skipped() {
    let mut m = cordoned();
    let out = m.step(
        Input::Snapshot(snapshot(vec![
            pod("kr", PodClass::DaemonSet),
            pod("etcd", PodClass::Mirror),
            pod("job-1", PodClass::Completed),
        ])),
        t(0),
    );
    assert!(evicts(&out).is_empty());
    let skipped: Vec<_> = pod_events(&out)
        .into_iter()
        .map(|(n, s, _)| (n, s))
        .collect();
    assert_eq!(
        skipped,
        [
            ("kr".into(), PodState::Skipped),
            ("etcd".into(), PodState::Skipped),
            ("job-1".into(), PodState::Skipped),
        ]
    );
    assert_eq!(*m.phase(), Phase::Drained);
    assert_eq!(finished(&out), Some(progress(0, 0, 0, 0, 3)));
}

#[test]
fn cordon_failure_interrupts_with_the_sentence() {
    let mut m = DrainRun::new("prod", NODE, options());
    m.step(Input::Start, t(0));
    let why = "cordon failed: the API server is unreachable (connection refused); check the connection and retry";
    assert_eq!(m.step(Input::Cordoned(Err(why.into())), t(0)), vec![]);
    assert_eq!(*m.phase(), Phase::Interrupted { why: why.into() });
    assert!(m.phase().settled());
    let plan = snapshot(vec![pod("web", PodClass::Evictable)]);
    assert_eq!(
        m.step(Input::Snapshot(plan), t(1)),
        vec![],
        "interrupted is final"
    );
}

#[test]
fn interrupt_at_every_phase_stops_the_drain() {
    let why = "stopped by the operator";
    let plan = || {
        snapshot(vec![
            pod("kc", pdb_blocked()),
            pod("web", PodClass::Evictable),
        ])
    };

    let mut planned = DrainRun::new("prod", NODE, options());
    let mut cordoning = DrainRun::new("prod", NODE, options());
    cordoning.step(Input::Start, t(0));
    let mut evicting = cordoned();
    evicting.step(Input::Snapshot(plan()), t(0));
    let mut retrying = cordoned();
    retrying.step(Input::Snapshot(plan()), t(0));
    retrying.step(refused("kc"), t(0));
    retrying.step(
        Input::Evicted {
            key: key("web"),
            outcome: EvictOutcome::Accepted,
        },
        t(0),
    );
    assert!(matches!(retrying.phase(), Phase::Retrying { .. }));
    let mut escalation = cordoned();
    escalation.step(
        Input::Snapshot(snapshot(vec![pod("b", PodClass::Unmanaged)])),
        t(0),
    );
    assert_eq!(*escalation.phase(), Phase::Escalation);

    for m in [
        &mut planned,
        &mut cordoning,
        &mut cordoned(),
        &mut evicting,
        &mut retrying,
        &mut escalation,
    ] {
        assert_eq!(m.step(Input::Interrupt(why.into()), t(1)), vec![]);
        assert_eq!(*m.phase(), Phase::Interrupted { why: why.into() });
        assert_eq!(m.step(Input::Tick, t(100)), vec![]);
    }
    // An answer to an eviction asked for before the stop changes nothing.
    assert_eq!(
        evicting.step(
            Input::Evicted {
                key: key("web"),
                outcome: EvictOutcome::Accepted
            },
            t(2)
        ),
        vec![]
    );
    assert_eq!(evicting.progress(), progress(0, 0, 0, 2, 0));

    let mut drained = cordoned();
    drained.step(Input::Snapshot(snapshot(vec![])), t(0));
    assert_eq!(*drained.phase(), Phase::Drained);
    drained.step(Input::Interrupt(why.into()), t(1));
    assert_eq!(
        *drained.phase(),
        Phase::Drained,
        "a finished drain stays finished"
    );
}

#[test]
fn progress_counts_at_each_step_of_a_mixed_drain() {
    let mut m = cordoned();
    let first = snapshot(vec![
        pod("kr", PodClass::DaemonSet),
        pod("web", PodClass::Evictable),
        pod("kc", pdb_blocked()),
        pod("t", PodClass::Terminating),
        pod("bare", PodClass::Unmanaged),
    ]);
    let out = m.step(Input::Snapshot(first), t(0));
    assert_eq!(evicts(&out), [key("web"), key("kc")]);
    assert_eq!(m.progress(), progress(0, 1, 1, 4, 1));
    m.step(
        Input::Evicted {
            key: key("web"),
            outcome: EvictOutcome::Accepted,
        },
        t(0),
    );
    assert_eq!(m.progress(), progress(0, 2, 1, 4, 1));
    let out = m.step(refused("kc"), t(0));
    assert_eq!(
        out.last(),
        Some(&Effect::Report(DrainEvent::Progress(progress(
            0, 2, 2, 4, 1
        ))))
    );
    let out = m.step(
        Input::Snapshot(snapshot(vec![
            pod("kr", PodClass::DaemonSet),
            pod("kc", pdb_blocked()),
            pod("bare", PodClass::Unmanaged),
        ])),
        t(5),
    );
    assert_eq!(
        out.last(),
        Some(&Effect::Report(DrainEvent::Progress(progress(
            2, 0, 2, 2, 1
        ))))
    );
    m.step(Input::Tick, t(61));
    assert_eq!(*m.phase(), Phase::Escalation);
    assert_eq!(m.progress(), progress(2, 0, 2, 2, 1));
    m.step(
        Input::Snapshot(snapshot(vec![pod("kr", PodClass::DaemonSet)])),
        t(70),
    );
    assert_eq!(*m.phase(), Phase::Drained);
    assert_eq!(m.progress(), progress(4, 0, 0, 0, 1));
}

#[test]
fn a_pod_that_appears_later_is_admitted_and_after_the_window_is_the_operators() {
    let mut m = cordoned();
    m.step(
        Input::Snapshot(snapshot(vec![pod("kc", pdb_blocked())])),
        t(0),
    );
    m.step(refused("kc"), t(0));
    let out = m.step(
        Input::Snapshot(snapshot(vec![
            pod("kc", pdb_blocked()),
            pod("late", PodClass::Evictable),
        ])),
        t(3),
    );
    assert_eq!(evicts(&out), [key("late")]);
    m.step(Input::Tick, t(61));
    assert_eq!(*m.phase(), Phase::Evicting, "waits for the answer first");
    m.step(
        Input::Evicted {
            key: key("late"),
            outcome: EvictOutcome::Accepted,
        },
        t(62),
    );
    assert_eq!(*m.phase(), Phase::Escalation);
    let out = m.step(
        Input::Snapshot(snapshot(vec![
            pod("kc", pdb_blocked()),
            pod("late", PodClass::Terminating),
            pod("later", PodClass::Evictable),
        ])),
        t(63),
    );
    assert!(evicts(&out).is_empty());
    assert_eq!(state(&m, "later"), Some(PodState::NeedsEscalation));
}

#[test]
fn snapshots_from_the_cockpits_rows_drive_it_the_same() {
    use crate::cluster::rows::{NodeRow, PodRow};
    use k8s_openapi::api::core::v1::{Node, Pod};
    use serde_json::json;
    let node = NodeRow::from_node(
        &serde_json::from_value::<Node>(json!({"metadata":{"name":NODE},"spec":{"unschedulable":true},"status":{"conditions":[{"type":"Ready","status":"True"}]}})).unwrap(),
    );
    let row = |name: &str, kind: &str| {
        PodRow::from_pod(&serde_json::from_value::<Pod>(json!({"metadata":{"name":name,"namespace":"default","ownerReferences":[{"apiVersion":"apps/v1","kind":kind,"name":"o","uid":"u","controller":true}]},"spec":{"nodeName":NODE,"containers":[{"name":"c"}]},"status":{"phase":"Running"}})).unwrap())
    };
    let mut m = cordoned();
    let rows = [row("kr", "DaemonSet"), row("web", "ReplicaSet")];
    let out = m.step(Input::Snapshot(plan::plan(&node, &rows, &[], t(0))), t(0));
    assert_eq!(evicts(&out), [key("web")]);
    m.step(
        Input::Evicted {
            key: key("web"),
            outcome: EvictOutcome::Accepted,
        },
        t(0),
    );
    m.step(
        Input::Snapshot(plan::plan(&node, &rows[..1], &[], t(5))),
        t(5),
    );
    assert_eq!(*m.phase(), Phase::Drained);
    assert_eq!(m.progress(), progress(1, 0, 0, 0, 1));
}
