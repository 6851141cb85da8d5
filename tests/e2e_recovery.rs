//! End to end: guided recovery with the real binary in tmux against `kockpit sim`: the drain
//! wizard walked with keys on prod (typed confirmations), bulk force-delete by filter, and
//! `--readonly` reaching no mutation. The audit log each leaves is checked, and the wizard's
//! audited kubectl commands are replayed on a fresh simulator.

mod tmux;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use tmux::{Sim, Tmux, rows};

const WAIT: Duration = Duration::from_secs(20);

/// Waits until prod's StatefulSet has started all its pods (one after the other, a few seconds):
/// tests that compare pod lists taken at two moments need the scenario settled first.
fn statefulset_started(sim: &Sim) {
    tmux::eventually_ok("postgres-0..2 created", WAIT, || {
        let names = sim.pod_names("prod");
        let n = (0..3)
            .filter(|i| names.contains(&format!("postgres-{i}")))
            .count();
        (n == 3).then_some(()).ok_or(format!("{n} of 3"))
    });
}

fn audit_entries(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("audit lines are JSON"))
        .collect()
}

/// The confirmation the dialog asks for: the text after "type " up to " to confirm".
fn expected_confirmation(screen: &str) -> Option<String> {
    let at = screen.find("Production: type ")? + "Production: type ".len();
    let rest = &screen[at..];
    Some(rest[..rest.find(" to confirm")?].to_string())
}

/// Pods on `node` as kubectl sees them: (namespace, name, owner kind, phase).
fn pods_on(sim: &Sim, node: &str) -> Vec<(String, String, String, String)> {
    let out = sim.kubectl(
        "prod",
        &[
            "get",
            "pods",
            "-A",
            "--field-selector",
            &format!("spec.nodeName={node}"),
            "-o",
            "jsonpath={range .items[*]}{.metadata.namespace} {.metadata.name} {.metadata.ownerReferences[0].kind} {.status.phase}{\"\\n\"}{end}",
        ],
    );
    out.lines()
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            (
                f[0].to_string(),
                f[1].to_string(),
                f.get(2).unwrap_or(&"").to_string(),
                f.get(3).unwrap_or(&"").to_string(),
            )
        })
        .collect()
}

#[test]
fn drain_wizard_walked_with_keys_on_prod_empties_the_node_and_audits_every_step() {
    let sim = Sim::start();
    // The scheduler places keycloak a moment after the simulator starts. `range` keeps kubectl
    // quiet while the list is still empty (`.items[0]` makes it fail).
    let keycloak = |fields: &str| {
        let jsonpath = format!("jsonpath={{range .items[*]}}{fields}{{end}}");
        let args = ["get", "pods", "-n", "default", "-l", "app=keycloak", "-o"];
        let mut args = args.to_vec();
        args.push(&jsonpath);
        sim.kubectl("prod", &args).trim().to_string()
    };
    let node_of_keycloak = || keycloak("{.spec.nodeName}");
    // Wait until keycloak is Running and Ready: the eviction API lets a Pending pod go without
    // asking its budget (as a real apiserver does), which would leave nothing to escalate.
    tmux::eventually_ok(
        "keycloak running and ready",
        Duration::from_secs(60),
        || {
            let state =
                keycloak("{.status.phase} {.status.conditions[?(@.type==\"Ready\")].status}");
            (state == "Running True" && !node_of_keycloak().is_empty())
                .then_some(())
                .ok_or(format!("keycloak is {state:?}"))
        },
    );
    let node = node_of_keycloak();
    let audit = sim.home.path().join("audit.jsonl");
    let t = Tmux::start(
        "wizard",
        sim.home.path(),
        &sim.args(&format!("--context prod --audit-log {}", audit.display())),
        200,
        50,
    );
    t.wait_for("pods", WAIT, |s| s.contains("keycloak-"));
    t.send(&["N"]);
    t.wait_for("nodes view", WAIT, |s| s.contains("Nodes"));
    t.send(&["/"]);
    t.type_text(&node);
    t.send(&["Enter"]);
    t.wait_for("one node", WAIT, |s| {
        rows(s).iter().filter(|r| r.contains(&node)).count() == 1
    });
    // Open the wizard: the blockers are on screen before anything changes.
    t.send(&["r"]);
    let (screen, _) = t.wait_for("the wizard's plan", WAIT, |s| {
        s.contains(&format!("Drain {node} (prod)")) && s.contains("PodDisruptionBudget keycloak")
    });
    assert!(
        screen.contains(
            "blocked: PodDisruptionBudget keycloak (minAvailable 1) allows 0 disruptions"
        ),
        "{screen}"
    );
    assert!(screen.contains("skip: managed by a DaemonSet"), "{screen}");
    assert!(screen.contains("not started: enter drains"), "{screen}");
    assert!(
        !sim.kubectl("prod", &["get", "node", &node])
            .contains("SchedulingDisabled"),
        "opening the wizard changes nothing"
    );

    // Start the drain: on prod the node's name must be typed.
    t.send(&["Enter"]);
    let (screen, _) = t.wait_for("drain confirmation", WAIT, |s| s.contains("to confirm"));
    assert!(
        screen.contains(&format!("kubectl --context prod drain {node}")),
        "{screen}"
    );
    assert_eq!(
        expected_confirmation(&screen).as_deref(),
        Some(node.as_str())
    );
    t.type_text("wrong-node");
    t.send(&["Enter"]);
    t.wait_for("refusal of a wrong name", WAIT, |s| {
        s.contains(&format!("type {node} exactly to confirm"))
    });
    for _ in 0.."wrong-node".len() {
        t.send(&["BSpace"]);
    }
    t.type_text(&node);
    t.send(&["Enter"]);
    let (screen, _) = t.wait_for("the budget's refusal", WAIT, |s| {
        s.contains("refused ×") && s.contains("Ready,SchedulingDisabled")
    });
    assert!(screen.contains("refused ×1: Cannot evict pod"), "{screen}");
    assert!(screen.contains("elapsed"), "{screen}");

    // Escalate every blocked pod one rung at a time until the node is drained; each step on
    // prod asks for the pod's name.
    let mut steps = 0;
    loop {
        let screen = t.screen();
        if screen.contains("node drained") {
            break;
        }
        assert!(steps < 6, "too many escalations:\n{screen}");
        if !screen.contains("blocked 0") {
            t.send(&["g"]);
            t.send(&["e"]);
            let (dialog, _) = t.wait_for("escalation confirmation", WAIT, |s| {
                s.contains("to confirm")
            });
            assert!(dialog.contains("Equivalent kubectl:"), "{dialog}");
            let name = expected_confirmation(&dialog).unwrap();
            t.type_text(&name);
            t.send(&["Enter"]);
            t.wait_for("the step's outcome", WAIT, |s| {
                s.contains(&format!("/{name}: "))
            });
            steps += 1;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(steps >= 1, "keycloak needed an escalation");

    // kubectl agrees: cordoned, and only DaemonSet or completed pods are left.
    assert!(
        sim.kubectl("prod", &["get", "node", &node])
            .contains("Ready,SchedulingDisabled")
    );
    tmux::eventually_ok("only skipped pods on the node", WAIT, || {
        let left = pods_on(&sim, &node);
        left.iter()
            .all(|(_, _, owner, phase)| {
                owner == "DaemonSet" || phase == "Succeeded" || phase == "Failed"
            })
            .then_some(())
            .ok_or(format!("{left:?}"))
    });

    // The audit log holds the cordon, the evictions (with the refusals) and the escalations.
    let entries = audit_entries(&audit);
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.first(), Some(&"cordon"), "{actions:?}");
    assert!(actions.contains(&"evict"), "{actions:?}");
    assert!(
        entries
            .iter()
            .any(|e| e["result"].as_str().unwrap().starts_with("blocked:")),
        "the refusal is audited"
    );
    assert!(
        actions
            .iter()
            .any(|a| *a == "delete" || *a == "force delete"),
        "{actions:?}"
    );
    for e in &entries {
        assert_eq!(e["context"], "prod");
        assert_eq!(e["user"], "prod-admin");
        // An eviction's body is piped in (`printf … | kubectl …`): no bash-only `<<<`.
        let cmd = e["kubectl"].as_str().unwrap();
        let kubectl = cmd.split(" | ").last().unwrap();
        assert!(kubectl.starts_with("kubectl --context prod ") && !cmd.contains("<<<"));
    }

    // Replayed by hand on a fresh simulator, each successful audited command does the same
    // thing: the node is cordoned, and a pod of the same name (created there first) goes.
    let fresh = Sim::start();
    statefulset_started(&fresh);
    let fresh_pods = fresh.pod_names("prod");
    let mut replayed_pods = Vec::new();
    for e in entries.iter().filter(|e| e["result"] == "ok") {
        let object = e["objects"][0].as_str().unwrap();
        if let Some(rest) = object.strip_prefix("pod/") {
            let (ns, name) = rest.split_once('/').unwrap();
            // StatefulSet pods keep their names: the fresh simulator has them already, and its
            // controller brings them back under the same name, so "gone" means a new uid.
            let uid = |fresh: &Sim| {
                fresh
                    .kubectl(
                        "prod",
                        &[
                            "get",
                            "pod",
                            name,
                            "-n",
                            ns,
                            "--ignore-not-found",
                            "-o",
                            "jsonpath={.metadata.uid}",
                        ],
                    )
                    .trim()
                    .to_string()
            };
            if !fresh_pods.iter().any(|p| p == name) {
                fresh.kubectl(
                    "prod",
                    &["run", name, "-n", ns, "--image=busybox", "--restart=Never"],
                );
            }
            replayed_pods.push((ns.to_string(), name.to_string(), uid(&fresh)));
        }
        let out = Command::new("sh")
            .arg("-c")
            .arg(e["kubectl"].as_str().unwrap())
            .env("KUBECONFIG", &fresh.kubeconfig)
            .env("HOME", fresh.home.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "replaying {}: {}",
            e["kubectl"],
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(
        fresh
            .kubectl("prod", &["get", "node", &node])
            .contains("SchedulingDisabled")
    );
    assert!(!replayed_pods.is_empty());
    tmux::eventually_ok("replayed pods gone", WAIT, || {
        let still: Vec<_> = replayed_pods
            .iter()
            .filter(|(ns, name, uid)| {
                let now = fresh.kubectl(
                    "prod",
                    &[
                        "get",
                        "pod",
                        name,
                        "-n",
                        ns,
                        "--ignore-not-found",
                        "-o",
                        "jsonpath={.metadata.uid}",
                    ],
                );
                let now = now.trim();
                !now.is_empty() && (uid.is_empty() || now == uid)
            })
            .collect();
        still.is_empty().then_some(()).ok_or(format!("{still:?}"))
    });
}

#[test]
fn bulk_force_delete_by_filter_previews_asks_for_the_count_and_reports_each_pod() {
    let sim = Sim::start();
    statefulset_started(&sim);
    tmux::eventually_ok("three nginx-ingress pods", WAIT, || {
        let n = sim
            .pod_names("prod")
            .iter()
            .filter(|n| n.starts_with("nginx-ingress-"))
            .count();
        (n == 3).then_some(()).ok_or(format!("{n}"))
    });
    let before: Vec<String> = sim
        .pod_names("prod")
        .into_iter()
        .filter(|n| n.starts_with("nginx-ingress-"))
        .collect();
    assert_eq!(before.len(), 3, "{before:?}");
    let others_before: Vec<tmux::PodId> = sim
        .pod_ids("prod")
        .into_iter()
        .filter(|p| !p.name.starts_with("nginx-ingress-"))
        .collect();
    let audit = sim.home.path().join("audit.jsonl");
    let t = Tmux::start(
        "bulk",
        sim.home.path(),
        &sim.args(&format!("--context prod --audit-log {}", audit.display())),
        200,
        50,
    );
    t.wait_for("pods", WAIT, |s| s.contains("nginx-ingress-"));
    // Without a filter, bulk force-delete refuses to take every pod.
    t.send(&["X"]);
    t.wait_for("refusal without a filter", WAIT, |s| {
        s.contains("set a filter first")
    });
    t.send(&["/"]);
    t.type_text("nginx-ingress");
    t.send(&["Enter"]);
    t.send(&["X"]);
    let (screen, _) = t.wait_for("preview", WAIT, |s| s.contains("to confirm"));
    assert!(screen.contains("Force delete 3 pods on prod"), "{screen}");
    for name in &before {
        assert!(
            screen.contains(&format!(
                "kubectl --context prod delete pod {name} -n default --grace-period=0 --force"
            )),
            "{name}:\n{screen}"
        );
    }
    assert!(
        screen.contains("the process may still be running"),
        "{screen}"
    );
    assert_eq!(expected_confirmation(&screen).as_deref(), Some("3"));
    t.type_text("3");
    t.send(&["Enter"]);
    let (screen, _) = t.wait_for("results per pod", WAIT, |s| {
        s.contains("force delete: results")
            && s.matches("✓ prod pod/default/nginx-ingress-").count() == 3
    });
    assert!(!screen.contains('✗'), "{screen}");

    // kubectl: exactly those pods went (replacements have new names), nothing else.
    let after = sim.pod_names("prod");
    for name in &before {
        assert!(!after.contains(name), "{name} still there");
    }
    let others_after: Vec<tmux::PodId> = sim
        .pod_ids("prod")
        .into_iter()
        .filter(|p| !p.name.starts_with("nginx-ingress-"))
        .collect();
    if let Err(changed) = tmux::changed_but_for_jobs(&others_before, &others_after) {
        panic!("bulk force delete touched other pods: {changed}");
    }
    let entries = audit_entries(&audit);
    assert_eq!(entries.len(), 3);
    assert!(
        entries
            .iter()
            .all(|e| e["action"] == "force delete" && e["result"] == "ok")
    );
}

#[test]
fn readonly_reaches_no_mutation_and_writes_no_audit() {
    let sim = Sim::start();
    statefulset_started(&sim);
    let audit = sim.home.path().join("audit.jsonl");
    let t = Tmux::start(
        "readonly",
        sim.home.path(),
        &sim.args(&format!(
            "--context prod --readonly --audit-log {}",
            audit.display()
        )),
        200,
        50,
    );
    t.wait_for("pods", WAIT, |s| {
        s.contains("keycloak-") && s.contains("READ-ONLY")
    });
    let pods_before = sim.pod_ids("prod");
    let check = |keys: &[&str], said: &str| {
        t.send(keys);
        t.wait_for(said, WAIT, |s| {
            s.contains(&format!("read-only: {said} is disabled"))
        });
        assert!(!t.screen().contains("to confirm"), "no confirmation opens");
    };
    // Pods: delete, force delete, bulk force delete (with a filter set).
    check(&["C-d"], "delete");
    check(&["C-k"], "force delete");
    t.send(&["/"]);
    t.type_text("nginx");
    t.send(&["Enter"]);
    check(&["X"], "bulk force delete");
    // Nodes: cordon, uncordon, drain (the wizard does not open).
    t.send(&["N"]);
    t.wait_for("nodes", WAIT, |s| s.contains("Nodes"));
    check(&["c"], "cordon");
    check(&["u"], "uncordon");
    check(&["r"], "drain");
    assert!(!t.screen().contains("Drain ip-"));
    // Deployments: scale, rollout restart.
    t.send(&["D"]);
    t.wait_for("deployments", WAIT, |s| s.contains("Deployments"));
    check(&["s"], "scale");
    check(&["R"], "rollout restart");
    // Help lists no mutation.
    t.send(&["?"]);
    let (help, _) = t.wait_for("help", WAIT, |s| s.contains("Keys of the active keymap"));
    let inside: String = help
        .lines()
        .filter(|l| l.starts_with('│'))
        .collect::<Vec<_>>()
        .join("\n")
        .to_lowercase();
    assert!(inside.contains("describe the selected object"), "{help}");
    for word in ["cordon", "drain", "delete", "scale", "restart", "force"] {
        assert!(
            !inside.contains(word),
            "help mentions {word} in read-only mode:\n{help}"
        );
    }
    // Nothing changed, nothing audited.
    if let Err(changed) = tmux::changed_but_for_jobs(&pods_before, &sim.pod_ids("prod")) {
        panic!("read-only mode changed pods: {changed}");
    }
    assert!(
        !sim.kubectl("prod", &["get", "nodes"])
            .contains("SchedulingDisabled")
    );
    assert!(audit_entries(&audit).is_empty());
}
