//! The drain of one node as a pure state machine: no I/O, no clock, no runtime. A shell feeds it
//! [`Input`]s with the time they happened and performs the [`Effect`]s it returns; the machine
//! never cares where a snapshot of the node's pods comes from (a fresh LIST in
//! [`super::drain`], or the cockpit's watched rows through [`plan::plan`]).
//!
//! ```text
//!  Planned ──Start──▶ Cordoning ──Cordoned(Ok)──▶ Cordoned ──first Snapshot──▶ Evicting
//!                         │                                                  │   ▲
//!                 Cordoned(Err) ▶ Interrupted          a round refused by a  │   │ Tick at or
//!                                                      budget, window open   ▼   │ after next_at
//!                                                               Retrying { attempt, next_at }
//!  Evicting / Retrying ── window over (Tick at or past the deadline), or nothing left that the
//!                         drain itself can move ──▶ Escalation (the operator's turn)
//!  Evicting / Retrying / Escalation ── no pod but skipped ones left on the node ──▶ Drained
//!  any phase but Drained ── Interrupt(why) ──▶ Interrupted { why }
//! ```
//!
//! | phase        | waits for                              | leaves on                          |
//! |--------------|----------------------------------------|------------------------------------|
//! | `Planned`    | `Start`                                | `Start` → `Cordoning` (`Cordon`)   |
//! | `Cordoning`  | `Cordoned(result)`                     | ok → `Cordoned`, err → interrupted |
//! | `Cordoned`   | the first `Snapshot`                   | → `Evicting` (`Evict` per pod)     |
//! | `Evicting`   | `Evicted` answers, snapshots, ticks    | round done → `Retrying`/`Escalation`/`Drained` |
//! | `Retrying`   | a `Tick` at or after `next_at`         | → `Evicting` with `attempt + 1`    |
//! | `Escalation` | snapshots (the operator's escalations) | node empty → `Drained`             |
//! | `Drained`, `Interrupted` | nothing: final              |                                    |
//!
//! Per pod, a snapshot decides: DaemonSet, mirror and completed pods are `Skipped`; terminating
//! ones `Waiting`; unmanaged and stuck-terminating ones `NeedsEscalation` straight away; the rest
//! get an eviction. A pod missing from a later snapshot is `Gone` (counted evicted). When the
//! retry window closes, budget-refused pods become `NeedsEscalation`.
//!
//! A shell performs the effects in order; what an answer (`Input::Evicted`) returns goes after
//! the effects still queued, so a round's `Progress` report follows all of the round's pod
//! reports. The cockpit's own shell, in short:
//!
//! ```text
//! let mut run = DrainRun::new(context, node, DrainOptions::default());
//! perform(run.step(Input::Start, now));                      // → Effect::Cordon
//! run.step(Input::Cordoned(result.map_err(|e| e.to_string())), now);
//! run.step(Input::Snapshot(plan::plan(&node_row, &pods_on_node, &pdbs, now)), now);
//! run.step(Input::Evicted { key, outcome: EvictOutcome::of(&escalate_result) }, now);
//! run.step(Input::Tick, now);                                // on a timer, see `wake_at`
//! run.progress()                                             // the one progress count
//! ```

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use crate::recovery::plan::{self, DrainPlan, PodClass, PodPlan, Progress};

/// A pod: (namespace, name).
pub type Key = (String, String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DrainOptions {
    /// How long to keep retrying evictions a disruption budget refuses (kubectl's `--timeout`).
    pub retry_blocked_for: Duration,
    /// The pause between rounds of retries and checks.
    pub backoff: Duration,
}

impl Default for DrainOptions {
    fn default() -> Self {
        // kubectl drain retries a refused eviction every 5 s.
        DrainOptions {
            retry_blocked_for: Duration::from_secs(60),
            backoff: Duration::from_secs(5),
        }
    }
}

/// Where one pod stands in the drain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodState {
    /// DaemonSet, mirror or completed: stays.
    Skipped,
    /// The eviction was accepted; the pod is shutting down.
    Evicted,
    /// The pod object is gone from the node.
    Gone,
    /// A disruption budget refused eviction number `attempt`.
    Blocked {
        attempt: u32,
    },
    /// Unmanaged or stuck: the drain will not touch it; escalate it explicitly.
    NeedsEscalation,
    /// Terminating within its grace period.
    Waiting,
    Failed,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DrainEvent {
    Cordoned {
        node: String,
        kubectl: String,
    },
    Planned(DrainPlan),
    Pod {
        namespace: String,
        name: String,
        state: PodState,
        reason: String,
    },
    Progress(Progress),
    /// The drain has done what it can; `plan` is the node's pods as they are now.
    Finished {
        plan: DrainPlan,
        progress: Progress,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Built, nothing done yet.
    Planned,
    /// The cordon is asked for.
    Cordoning,
    /// Cordoned; waiting for the first snapshot of the node's pods.
    Cordoned,
    /// Evictions are out, or evicted pods are still on the node.
    Evicting,
    /// Round `attempt` was refused by a disruption budget; the next round goes at `next_at`.
    Retrying { attempt: u32, next_at: Timestamp },
    /// The drain has done what it can: the pods left need the operator.
    Escalation,
    /// Only skipped pods are left on the node.
    Drained,
    /// Stopped: the cordon failed, the API was unreachable, or the operator stopped it.
    Interrupted { why: String },
}

impl Phase {
    /// The drain's automatic part is over: the built-in shell stops here. Only `Escalation`
    /// still moves (to `Drained`) on later snapshots.
    pub fn settled(&self) -> bool {
        matches!(
            self,
            Phase::Escalation | Phase::Drained | Phase::Interrupted { .. }
        )
    }
}

/// The answer to one `Effect::Evict`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvictOutcome {
    Accepted,
    /// A disruption budget refused, with the server's reason.
    Refused(String),
    /// The pod was not there any more.
    Gone,
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Start,
    /// The cordon's result; the error is the sentence to show.
    Cordoned(Result<(), String>),
    /// The node's pods classified now, from whatever source.
    Snapshot(DrainPlan),
    Evicted {
        key: Key,
        outcome: EvictOutcome,
    },
    /// Time has passed (`now` of `step`).
    Tick,
    Interrupt(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Cordon,
    /// Evict this pod and feed the answer back as `Input::Evicted`.
    Evict(Key),
    Report(DrainEvent),
}

/// One pod as the drain knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackedPod {
    /// Its class in the latest snapshot that showed it.
    pub class: PodClass,
    /// None while its first eviction is unanswered.
    pub state: Option<PodState>,
    pub reason: String,
}

/// The drain of one node. See the module documentation for the phases.
#[derive(Debug, Clone)]
pub struct DrainRun {
    context: String,
    node: String,
    options: DrainOptions,
    phase: Phase,
    pods: BTreeMap<Key, TrackedPod>,
    /// Evictions asked for and not answered yet, with the round they belong to.
    in_flight: BTreeMap<Key, u32>,
    /// The latest eviction round.
    attempt: u32,
    /// When the retry window closes; set by the first snapshot.
    deadline: Option<Timestamp>,
    last: Option<DrainPlan>,
}

fn after(t: Timestamp, d: Duration) -> Timestamp {
    SignedDuration::try_from(d)
        .ok()
        .and_then(|d| t.checked_add(d).ok())
        .unwrap_or(Timestamp::MAX)
}

fn key_of(p: &PodPlan) -> Key {
    (p.namespace.clone(), p.name.clone())
}

fn report(key: &Key, state: PodState, reason: &str) -> Effect {
    Effect::Report(DrainEvent::Pod {
        namespace: key.0.clone(),
        name: key.1.clone(),
        state,
        reason: reason.into(),
    })
}

impl DrainRun {
    /// A drain of `node` in kube context `context` (named in the reported kubectl commands).
    pub fn new(context: &str, node: &str, options: DrainOptions) -> DrainRun {
        DrainRun {
            context: context.into(),
            node: node.into(),
            options,
            phase: Phase::Planned,
            pods: BTreeMap::new(),
            in_flight: BTreeMap::new(),
            attempt: 0,
            deadline: None,
            last: None,
        }
    }

    pub fn node(&self) -> &str {
        &self.node
    }

    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    pub fn options(&self) -> DrainOptions {
        self.options
    }

    /// Every pod the drain has seen, by (namespace, name).
    pub fn pods(&self) -> &BTreeMap<Key, TrackedPod> {
        &self.pods
    }

    pub fn pod(&self, namespace: &str, name: &str) -> Option<&TrackedPod> {
        self.pods.get(&(namespace.to_string(), name.to_string()))
    }

    /// The latest eviction round (1 for the first).
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// When the retry window closes, once the first snapshot is in.
    pub fn deadline(&self) -> Option<Timestamp> {
        self.deadline
    }

    /// The latest snapshot.
    pub fn last_plan(&self) -> Option<&DrainPlan> {
        self.last.as_ref()
    }

    /// When a `Tick` next changes something: the next retry round or the window's end.
    pub fn wake_at(&self) -> Option<Timestamp> {
        match (&self.phase, self.deadline) {
            (Phase::Retrying { next_at, .. }, Some(d)) => Some((*next_at).min(d)),
            (Phase::Evicting, d) => d,
            _ => None,
        }
    }

    /// The one progress count: evicted = pods seen go; waiting = evicted or terminating pods
    /// still on the node; blocked = refused, failed or needing escalation; remaining =
    /// everything not skipped still on the node (unanswered evictions included); skipped =
    /// DaemonSet, mirror and completed pods on the node.
    pub fn progress(&self) -> Progress {
        let mut p = Progress::default();
        for t in self.pods.values() {
            match &t.state {
                Some(PodState::Skipped) => p.skipped += 1,
                Some(PodState::Gone) => p.evicted += 1,
                Some(PodState::Evicted | PodState::Waiting) => {
                    p.waiting += 1;
                    p.remaining += 1;
                }
                Some(PodState::Blocked { .. } | PodState::NeedsEscalation | PodState::Failed) => {
                    p.blocked += 1;
                    p.remaining += 1;
                }
                None => p.remaining += 1,
            }
        }
        p
    }

    /// Feeds one input that happened at `now`; returns what the shell must do, in order.
    pub fn step(&mut self, input: Input, now: Timestamp) -> Vec<Effect> {
        let mut out = Vec::new();
        match input {
            Input::Start => {
                if self.phase == Phase::Planned {
                    self.phase = Phase::Cordoning;
                    out.push(Effect::Cordon);
                }
            }
            Input::Cordoned(result) => {
                if self.phase == Phase::Cordoning {
                    match result {
                        Ok(()) => {
                            self.phase = Phase::Cordoned;
                            out.push(Effect::Report(DrainEvent::Cordoned {
                                node: self.node.clone(),
                                kubectl: plan::kubectl_cordon(&self.context, &self.node, true),
                            }));
                        }
                        Err(why) => self.interrupt(why),
                    }
                }
            }
            Input::Snapshot(snapshot) if snapshot.node == self.node => match self.phase {
                Phase::Cordoned => self.first_snapshot(snapshot, now, &mut out),
                Phase::Evicting | Phase::Retrying { .. } | Phase::Escalation => {
                    self.observe(snapshot, &mut out);
                    self.settle(now, &mut out);
                }
                _ => {}
            },
            Input::Snapshot(_) => {}
            Input::Evicted { key, outcome } => {
                if let Some(attempt) = self.in_flight.remove(&key)
                    && let Some(t) = self.pods.get_mut(&key)
                {
                    let (state, reason) = match outcome {
                        EvictOutcome::Accepted => (PodState::Evicted, "eviction accepted".into()),
                        EvictOutcome::Refused(message) => (PodState::Blocked { attempt }, message),
                        EvictOutcome::Gone => (PodState::Gone, "already gone".into()),
                        EvictOutcome::Failed(message) => (PodState::Failed, message),
                    };
                    out.push(report(&key, state.clone(), &reason));
                    t.state = Some(state);
                    t.reason = reason;
                    self.settle(now, &mut out);
                }
            }
            Input::Tick => self.tick(now, &mut out),
            Input::Interrupt(why) => {
                if !matches!(self.phase, Phase::Drained | Phase::Interrupted { .. }) {
                    self.interrupt(why);
                }
            }
        }
        out
    }

    fn interrupt(&mut self, why: String) {
        self.in_flight.clear();
        self.phase = Phase::Interrupted { why };
    }

    fn first_snapshot(&mut self, snapshot: DrainPlan, now: Timestamp, out: &mut Vec<Effect>) {
        self.phase = Phase::Evicting;
        self.attempt = 1;
        self.deadline = Some(after(now, self.options.retry_blocked_for));
        out.push(Effect::Report(DrainEvent::Planned(snapshot.clone())));
        for pod in &snapshot.pods {
            self.admit(pod, out);
        }
        self.last = Some(snapshot);
        self.settle(now, out);
    }

    /// A pod the drain has not seen on the node before.
    fn admit(&mut self, pod: &PodPlan, out: &mut Vec<Effect>) {
        let key = key_of(pod);
        let describe = pod.class.describe();
        let state = match &pod.class {
            c if c.skipped() => Some(PodState::Skipped),
            PodClass::Terminating => Some(PodState::Waiting),
            PodClass::Unmanaged | PodClass::StuckTerminating { .. } => {
                Some(PodState::NeedsEscalation)
            }
            _ if self.phase == Phase::Escalation => Some(PodState::NeedsEscalation),
            _ => None,
        };
        let reason = match (&state, &self.phase) {
            (Some(PodState::NeedsEscalation), Phase::Escalation) if !pod.class.blocked() => {
                format!("came after the retry window: {describe}")
            }
            _ => describe,
        };
        match &state {
            Some(s) => out.push(report(&key, s.clone(), &reason)),
            None => {
                if matches!(self.phase, Phase::Retrying { .. }) {
                    self.phase = Phase::Evicting;
                }
                self.in_flight.insert(key.clone(), self.attempt);
                out.push(Effect::Evict(key.clone()));
            }
        }
        self.pods.insert(
            key,
            TrackedPod {
                class: pod.class.clone(),
                state,
                reason,
            },
        );
    }

    /// Brings the pods up to a later snapshot: the missing are gone, the new admitted, and a
    /// pod now stuck terminating needs escalation.
    fn observe(&mut self, snapshot: DrainPlan, out: &mut Vec<Effect>) {
        let present: BTreeMap<Key, &PodPlan> =
            snapshot.pods.iter().map(|p| (key_of(p), p)).collect();
        let missing: Vec<Key> = self
            .pods
            .iter()
            .filter(|(k, t)| t.state != Some(PodState::Gone) && !present.contains_key(*k))
            .map(|(k, _)| k.clone())
            .collect();
        for key in missing {
            self.in_flight.remove(&key);
            if self.pods[&key].state == Some(PodState::Skipped) {
                // It never counted as the drain's work; it is simply not on the node now.
                self.pods.remove(&key);
                continue;
            }
            let reason = "no longer on the node";
            out.push(report(&key, PodState::Gone, reason));
            let t = self.pods.get_mut(&key).expect("tracked");
            t.state = Some(PodState::Gone);
            t.reason = reason.into();
        }
        for (key, pod) in &present {
            let Some(t) = self.pods.get_mut(key) else {
                self.admit(pod, out);
                continue;
            };
            if t.state == Some(PodState::Gone) {
                // Recreated under the same name: a new pod to the drain.
                self.admit(pod, out);
                continue;
            }
            t.class = pod.class.clone();
            let moves = matches!(
                t.state,
                Some(PodState::Evicted | PodState::Waiting | PodState::Blocked { .. })
            );
            let next = match &pod.class {
                PodClass::StuckTerminating { .. } if moves => Some(PodState::NeedsEscalation),
                PodClass::Terminating if matches!(t.state, Some(PodState::Blocked { .. })) => {
                    Some(PodState::Waiting)
                }
                _ => None,
            };
            if let Some(s) = next {
                t.reason = pod.class.describe();
                t.state = Some(s.clone());
                out.push(report(key, s, &t.reason));
            }
        }
        self.last = Some(snapshot);
    }

    fn any(&self, pred: impl Fn(&PodState) -> bool) -> bool {
        self.pods
            .values()
            .any(|t| t.state.as_ref().is_some_and(&pred))
    }

    fn progress_report(&self) -> Effect {
        Effect::Report(DrainEvent::Progress(self.progress()))
    }

    fn finish(&mut self, phase: Phase, out: &mut Vec<Effect>) {
        self.phase = phase;
        out.push(self.progress_report());
        out.push(Effect::Report(DrainEvent::Finished {
            plan: self.last.clone().unwrap_or_else(|| DrainPlan {
                node: self.node.clone(),
                node_ready: false,
                cordoned: true,
                pods: Vec::new(),
            }),
            progress: self.progress(),
        }));
    }

    /// Once every eviction of a round is answered: decide the phase and report progress.
    fn settle(&mut self, now: Timestamp, out: &mut Vec<Effect>) {
        if !self.in_flight.is_empty()
            || !matches!(
                self.phase,
                Phase::Evicting | Phase::Retrying { .. } | Phase::Escalation
            )
        {
            return;
        }
        let left = self.any(|s| !matches!(s, PodState::Skipped | PodState::Gone));
        if !left {
            return self.finish(Phase::Drained, out);
        }
        if self.phase == Phase::Escalation {
            out.push(self.progress_report());
            return;
        }
        let blocked = self.any(|s| matches!(s, PodState::Blocked { .. }));
        let pending = self.any(|s| matches!(s, PodState::Evicted | PodState::Waiting));
        if self.window_over(now) || !(blocked || pending) {
            return self.escalate(out);
        }
        if !blocked {
            self.phase = Phase::Evicting;
        } else if !matches!(self.phase, Phase::Retrying { .. }) {
            self.phase = Phase::Retrying {
                attempt: self.attempt,
                next_at: after(now, self.options.backoff),
            };
        }
        out.push(self.progress_report());
    }

    fn window_over(&self, now: Timestamp) -> bool {
        self.deadline.is_some_and(|d| now >= d)
    }

    /// The retry window is over (or nothing is left that the drain can move): budget-refused
    /// pods need the operator. Their last refusal stays the reported reason.
    fn escalate(&mut self, out: &mut Vec<Effect>) {
        for t in self.pods.values_mut() {
            if matches!(t.state, Some(PodState::Blocked { .. })) {
                t.state = Some(PodState::NeedsEscalation);
            }
        }
        self.finish(Phase::Escalation, out);
    }

    fn tick(&mut self, now: Timestamp, out: &mut Vec<Effect>) {
        if !self.in_flight.is_empty() {
            return;
        }
        match self.phase {
            Phase::Evicting | Phase::Retrying { .. } if self.window_over(now) => self.escalate(out),
            Phase::Retrying { attempt, next_at } if now >= next_at => {
                self.attempt = attempt + 1;
                let blocked: Vec<Key> = self
                    .pods
                    .iter()
                    .filter(|(_, t)| matches!(t.state, Some(PodState::Blocked { .. })))
                    .map(|(k, _)| k.clone())
                    .collect();
                self.phase = Phase::Evicting;
                for key in blocked {
                    self.in_flight.insert(key.clone(), self.attempt);
                    out.push(Effect::Evict(key));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
#[path = "machine_tests.rs"]
mod tests;
