//! End to end: editing in `$EDITOR` and revealing Secrets with the real binary in tmux against
//! `kockpit sim`. The editor is a small script that records what it was given and changes the
//! file as the test tells it (and, for the conflict, changes the object with kubectl first).

mod tmux;

use std::path::{Path, PathBuf};
use std::time::Duration;

use tmux::{Sim, Tmux, rows};

const WAIT: Duration = Duration::from_secs(20);

/// Writes the editor script into `dir`: it counts its runs, copies the file it was given to
/// `given-N.yaml`, then acts on the words in `dir/mode`: `edit FROM TO` replaces the label
/// value; `conflict FROM TO` does the same after labelling the deployment with kubectl, on its
/// first run only (later runs leave the file as given).
fn editor_script(dir: &Path, kubeconfig: &Path) -> PathBuf {
    let script = dir.join("editor.sh");
    let text = format!(
        r#"#!/bin/sh
dir={dir}
n=$(( $(cat "$dir/count" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$dir/count"
cp "$1" "$dir/given-$n.yaml"
set -- "$1" $(cat "$dir/mode")
case "$2" in
  edit) sed -i "s/^    tier: $3\$/    tier: $4/" "$1" ;;
  conflict)
    if [ ! -e "$dir/conflicted" ]; then
      touch "$dir/conflicted"
      HOME="$dir" kubectl --kubeconfig {kc} --context stg -n default label --overwrite deploy edit-me owner=someone-else >"$dir/kubectl.out" 2>&1
      sed -i "s/^    tier: $3\$/    tier: $4/" "$1"
    fi ;;
esac
"#,
        dir = dir.display(),
        kc = kubeconfig.display()
    );
    std::fs::write(&script, text).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

fn label(sim: &Sim, key: &str) -> String {
    sim.kubectl(
        "stg",
        &[
            "get",
            "deploy",
            "edit-me",
            "-n",
            "default",
            "-o",
            &format!("jsonpath={{.metadata.labels.{key}}}"),
        ],
    )
}

/// A deployment of the test's own whose status has settled (the controller no longer writes it,
/// so only the test's own changes can move its resourceVersion).
fn settled_deployment(sim: &Sim) {
    let manifest = sim.home.path().join("edit-me.yaml");
    std::fs::write(
        &manifest,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: edit-me\n  namespace: default\n  labels:\n    app: edit-me\n    tier: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: edit-me\n  template:\n    metadata:\n      labels:\n        app: edit-me\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n",
    )
    .unwrap();
    apply(sim, &manifest);
    tmux::eventually_ok("edit-me settled", Duration::from_secs(60), || {
        let s = sim.kubectl(
            "stg",
            &[
                "get", "deploy", "edit-me", "-n", "default", "-o",
                "jsonpath={.status.readyReplicas} {.status.availableReplicas} {.status.updatedReplicas} {.status.observedGeneration} {.metadata.generation}",
            ],
        );
        let f: Vec<&str> = s.split_whitespace().collect();
        (f.len() == 5 && f[..3] == ["1", "1", "1"] && f[3] == f[4])
            .then_some(())
            .ok_or(format!("status {s:?}"))
    });
}

fn apply(sim: &Sim, manifest: &Path) {
    sim.kubectl(
        "stg",
        &[
            "apply",
            "--validate=false",
            "-f",
            manifest.to_str().unwrap(),
        ],
    );
}

fn audit_entries(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("audit lines are JSON"))
        .collect()
}

fn open_edit_me(t: &Tmux) {
    t.wait_for("pods", WAIT, |s| s.contains("Pods"));
    t.send(&["D"]);
    t.send(&["/"]);
    t.type_text("edit-me");
    t.send(&["Enter"]);
    t.wait_for("the edit-me row", WAIT, |s| {
        rows(s).iter().any(|r| r.iter().any(|c| c == "edit-me"))
    });
}

#[test]
fn an_edit_in_the_editor_lands_audited_and_a_conflicting_one_reopens_with_the_text_kept() {
    let sim = Sim::start();
    let home = sim.home.path();
    settled_deployment(&sim);
    let script = editor_script(home, &sim.kubeconfig);
    let tmp = home.join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    std::fs::write(home.join("mode"), "edit web api").unwrap();
    let audit = home.join("audit.jsonl");
    let script_s = script.display().to_string();
    let tmp_s = tmp.display().to_string();
    let t = Tmux::start_with_env(
        "edit",
        home,
        &[
            ("KUBE_EDITOR", &script_s),
            ("EDITOR", &script_s),
            ("TMPDIR", &tmp_s),
        ],
        &sim.args(&format!("--context stg --audit-log {}", audit.display())),
        250,
        50,
    );
    open_edit_me(&t);

    // (a) A label change, reviewed as a path with before and after, lands.
    t.send(&["e"]);
    let (screen, _) = t.wait_for("the review of the edit", WAIT, |s| {
        s.contains("Apply the edit of deployment default/edit-me (stg)")
    });
    assert!(
        screen.contains("metadata.labels.tier: web → api"),
        "{screen}"
    );
    assert_eq!(
        label(&sim, "tier"),
        "web",
        "nothing is sent before the answer"
    );
    t.send(&["y"]);
    t.wait_for("the edit applied", WAIT, |s| {
        s.contains("edited deployment default/edit-me (stg): 1 field changed (audited)")
    });
    assert_eq!(label(&sim, "tier"), "api");
    let given = std::fs::read_to_string(home.join("given-1.yaml")).unwrap();
    assert!(
        given.starts_with("# Please edit the object below."),
        "{given}"
    );
    assert!(
        given.contains("    tier: web\n") && !given.contains("managedFields"),
        "{given}"
    );
    let edits: Vec<_> = audit_entries(&audit)
        .into_iter()
        .filter(|e| e["action"] == "edit")
        .collect();
    assert_eq!(edits.len(), 1, "{edits:?}");
    assert_eq!(
        edits[0]["kubectl"],
        "kubectl --context stg -n default edit deployment.apps/edit-me"
    );
    assert_eq!(edits[0]["result"], "applied; changed metadata.labels.tier");
    assert_eq!(
        std::fs::read_dir(&tmp).unwrap().count(),
        0,
        "the private edit directory is removed"
    );

    // (b) Someone else labels the deployment while the editor is open: the save conflicts,
    // the editor reopens with the operator's text, and leaving it unchanged keeps the text.
    std::fs::write(home.join("mode"), "conflict api db").unwrap();
    t.send(&["e"]);
    let (screen, _) = t.wait_for("the review of the second edit", WAIT, |s| {
        s.contains("metadata.labels.tier: api → db")
    });
    assert!(!screen.contains("owner"), "{screen}");
    t.send(&["y"]);
    let (screen, _) = t.wait_for("the conflict reported", WAIT, |s| {
        s.contains("not applied after a conflict: someone else changed it since you opened it")
    });
    assert_eq!(
        std::fs::read_to_string(home.join("count")).unwrap().trim(),
        "3",
        "the editor was reopened once; kubectl said: {}",
        std::fs::read_to_string(home.join("kubectl.out")).unwrap_or_default()
    );
    let reopened = std::fs::read_to_string(home.join("given-3.yaml")).unwrap();
    assert!(
        reopened.starts_with("# error: deployments.apps \"edit-me\" was changed by someone else since you opened it (409 Conflict)"),
        "{reopened}"
    );
    assert!(
        reopened.contains("# Their change: metadata.labels.owner"),
        "{reopened}"
    );
    assert!(
        reopened.contains("    tier: db\n"),
        "the edited text is kept:\n{reopened}"
    );
    let kept = screen
        .split("text kept in ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no kept path on screen:\n{screen}"));
    let kept = Path::new(kept);
    assert!(kept.starts_with(&tmp), "{}", kept.display());
    assert!(
        std::fs::read_to_string(kept)
            .unwrap()
            .contains("    tier: db\n")
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(kept), 0o600);
    assert_eq!(mode(kept.parent().unwrap()), 0o700);
    assert_eq!(
        label(&sim, "tier"),
        "api",
        "the conflicting save changed nothing"
    );
    assert_eq!(label(&sim, "owner"), "someone-else");
    let failed: Vec<_> = audit_entries(&audit)
        .into_iter()
        .filter(|e| e["action"] == "edit" && e["result"].as_str().unwrap().starts_with("failed"))
        .collect();
    assert_eq!(failed.len(), 1, "the refused save is audited too");
}

#[test]
fn readonly_offers_no_edit() {
    let sim = Sim::start();
    let home = sim.home.path();
    let script = editor_script(home, &sim.kubeconfig);
    std::fs::write(home.join("mode"), "edit web api").unwrap();
    let script_s = script.display().to_string();
    let t = Tmux::start_with_env(
        "edit-ro",
        home,
        &[("KUBE_EDITOR", &script_s)],
        &sim.args("--context stg --readonly"),
        200,
        50,
    );
    t.wait_for("pods", WAIT, |s| s.contains("Pods"));
    t.send(&["D"]);
    t.wait_for("deployments", WAIT, |s| s.contains("nginx-ingress"));
    t.send(&["e"]);
    t.wait_for("the read-only sentence", WAIT, |s| {
        s.contains("read-only: edit is disabled (started with --readonly)")
    });
    t.send(&["?"]);
    let (help, _) = t.wait_for("help", WAIT, |s| s.contains("Keys of the active keymap"));
    assert!(help.contains("show a Secret's values decoded"), "{help}");
    assert!(!help.contains("in $EDITOR"), "{help}");
    assert!(!home.join("count").exists(), "the editor never ran");
}

/// Every file under `dir` (recursively) whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            found.extend(files_containing(&p, needle));
        } else if std::fs::read(&p).is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle)) {
            found.push(p);
        }
    }
    found
}

#[test]
fn a_revealed_secret_is_shown_audited_by_key_and_written_nowhere() {
    const VALUE: &str = "S3cr3t-e2e-4711";
    let sim = Sim::start();
    let home = sim.home.path();
    let manifest = home.join("secret.yaml");
    std::fs::write(
        &manifest,
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: e2e-db\n  namespace: default\ntype: Opaque\ndata:\n  password: UzNjcjN0LWUyZS00NzEx\n  user: b3Bz\n",
    )
    .unwrap();
    apply(&sim, &manifest);
    let state = home.join("state");
    let tmp = home.join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let (state_s, tmp_s) = (state.display().to_string(), tmp.display().to_string());
    let t = Tmux::start_with_env(
        "reveal",
        home,
        &[("XDG_STATE_HOME", &state_s), ("TMPDIR", &tmp_s)],
        &sim.args("--context stg --readonly"),
        200,
        50,
    );
    t.wait_for("pods", WAIT, |s| s.contains("Pods"));
    t.type_text(":describe secret/e2e-db -n default");
    t.send(&["Enter"]);
    let (screen, _) = t.wait_for("the secret described", WAIT, |s| {
        s.contains("password:  15 bytes")
    });
    assert!(!screen.contains(VALUE), "{screen}");
    t.send(&["x"]);
    t.wait_for("the value revealed", WAIT, |s| {
        s.contains(&format!("password:  {VALUE}"))
    });
    t.send(&["Escape"]);
    t.wait_for("the view closed", WAIT, |s| {
        !s.contains(VALUE) && s.contains("Pods")
    });
    t.type_text(":yaml secret/e2e-db");
    t.send(&["Enter"]);
    let (screen, _) = t.wait_for("masked YAML", WAIT, |s| {
        s.contains("password: ••••• (15 bytes)")
    });
    assert!(!screen.contains(VALUE), "{screen}");
    t.send(&["Escape"]);
    // The saved-logs directory (the temporary directory) and the state directory are
    // searched below.
    t.send(&["q"]);

    let audit = state.join("kockpit/audit.jsonl");
    let entries = audit_entries(&audit);
    let reveals: Vec<_> = entries.iter().filter(|e| e["action"] == "reveal").collect();
    assert_eq!(reveals.len(), 1, "{entries:?}");
    assert_eq!(reveals[0]["record"], "event");
    assert_eq!(
        reveals[0]["result"],
        "revealed secret default/e2e-db keys password,user"
    );
    let b64 = "UzNjcjN0LWUyZS00NzEx";
    for dir in [&state, &tmp, &home.join(".local"), &home.join(".config")] {
        for needle in [VALUE, b64] {
            let found = files_containing(dir, needle.as_bytes());
            assert!(found.is_empty(), "{needle} written to {found:?}");
        }
    }
}
