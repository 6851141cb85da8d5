//! End to end: every resource kind with the real binary in tmux against `kockpit sim`,
//! kubectl as the truth. For each kind the issue names, the rows on screen carry the names and
//! the non-age cells `kubectl get KIND -A` prints; objects kubectl creates and deletes show and
//! go within 2 s; a CRD applied while kockpit runs becomes completable and browsable with its
//! printer columns, and a custom resource of it appears live.

mod tmux;

use std::path::Path;
use std::time::{Duration, Instant};

use tmux::{Sim, Tmux, rows};

const WAIT: Duration = Duration::from_secs(20);

/// Columns whose value moves with the clock: never compared.
const AGES: &[&str] = &["AGE", "LAST SEEN", "DURATION", "LAST SCHEDULE"];

/// kubectl's table: header names and, per row, the cells under them (tabwriter columns are
/// left-aligned at their header's offset).
fn kubectl_table(out: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut lines = out.lines().filter(|l| !l.trim().is_empty());
    let Some(header) = lines.next() else {
        return (vec![], vec![]);
    };
    let mut starts = Vec::new();
    let mut names = Vec::new();
    let mut from = 0;
    for name in header.split("  ").map(str::trim).filter(|n| !n.is_empty()) {
        let at = from + header[from..].find(name).unwrap();
        starts.push(at);
        names.push(name.to_string());
        from = at + name.len();
    }
    let rows = lines
        .map(|l| {
            (0..starts.len())
                .map(|i| {
                    let end = starts.get(i + 1).copied().unwrap_or(l.len()).min(l.len());
                    l.get(starts[i].min(l.len())..end)
                        .unwrap_or_default()
                        .trim()
                        .to_string()
                })
                .collect()
        })
        .collect();
    (names, rows)
}

/// The screen's table rows as text (inside the border, header excluded).
fn screen_rows(screen: &str) -> Vec<String> {
    screen
        .lines()
        .filter_map(|l| l.strip_prefix('│'))
        .map(|l| l.trim_end_matches('│').trim_end().to_string())
        .filter(|l| !l.trim().is_empty())
        .skip(1)
        .collect()
}

/// Whether `line` holds `cells` in order, each as whole words.
fn holds_in_order(line: &str, cells: &[&str]) -> bool {
    let padded = format!(
        " {} ",
        line.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    let mut from = 0;
    for c in cells {
        let needle = format!(" {} ", c.split_whitespace().collect::<Vec<_>>().join(" "));
        match padded[from..].find(&needle) {
            Some(at) => from += at + needle.len() - 1,
            None => return false,
        }
    }
    true
}

/// Ok when the screen shows exactly kubectl's rows: one screen row per kubectl row, each with
/// that row's non-age cells in order.
fn same_rows(screen: &str, kubectl: &str) -> Result<(), String> {
    let (names, want) = kubectl_table(kubectl);
    let keep: Vec<usize> = (0..names.len())
        .filter(|i| !AGES.contains(&names[*i].as_str()))
        .collect();
    let shown = screen_rows(screen);
    if shown.len() != want.len() {
        return Err(format!(
            "{} rows on screen, kubectl lists {}:\n{kubectl}\n{screen}",
            shown.len(),
            want.len()
        ));
    }
    for row in &want {
        let cells: Vec<&str> = keep.iter().map(|i| row[*i].as_str()).collect();
        if !shown.iter().any(|l| holds_in_order(l, &cells)) {
            return Err(format!("no row on screen with {cells:?}:\n{screen}"));
        }
    }
    Ok(())
}

fn header_of(screen: &str) -> Vec<String> {
    rows(screen).into_iter().next().unwrap_or_default()
}

/// `esc` (closing whatever is open), then `:TEXT` and enter. The pause keeps the terminal from
/// reading esc and `:` as one alt-`:`.
fn command(ui: &Tmux, text: &str) {
    ui.send(&["Escape"]);
    std::thread::sleep(Duration::from_millis(150));
    ui.type_text(&format!(":{text}"));
    ui.send(&["Enter"]);
}

/// Waits until the screen's rows equal kubectl's (both re-read each round); returns the screen.
fn until_same(ui: &Tmux, sim: &Sim, what: &str, args: &[&str], title: &str) -> String {
    let start = Instant::now();
    loop {
        let screen = ui.screen();
        let truth = sim.kubectl("prod", args);
        assert!(truth.lines().count() > 1, "kubectl lists {what}: {truth}");
        let verdict = if screen.contains(title) {
            same_rows(&screen, &truth)
        } else {
            Err(format!("no {title:?} on screen:\n{screen}"))
        };
        match verdict {
            Ok(()) => return screen,
            Err(e) if start.elapsed() > WAIT => panic!("{what}: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    }
}

#[test]
fn every_kind_shows_what_kubectl_get_shows_and_follows_creates_and_deletes() {
    let sim = Sim::start();
    let ui = Tmux::start(
        "kinds",
        sim.home.path(),
        &sim.args("--context prod"),
        320,
        90,
    );
    ui.wait_for("prod's pods", WAIT, |s| s.contains("nginx-ingress-"));

    for (word, plural, title) in [
        ("svc", "services", "Services"),
        ("ing", "ingresses", "Ingresses"),
        ("sts", "statefulsets", "StatefulSets"),
        ("ds", "daemonsets", "DaemonSets"),
        ("job", "jobs", "Jobs"),
        ("cj", "cronjobs", "CronJobs"),
        ("cm", "configmaps", "ConfigMaps"),
        ("secret", "secrets", "Secrets"),
        ("pvc", "persistentvolumeclaims", "PersistentVolumeClaims"),
        ("ns", "namespaces", "Namespaces"),
        ("certificates", "certificates", "Certificates"),
    ] {
        command(&ui, word);
        let screen = until_same(&ui, &sim, word, &["get", plural, "-A"], title);
        // The header is kubectl's too (no CONTEXT column: one context is shown).
        let (names, _) = kubectl_table(&sim.kubectl("prod", &["get", plural, "-A"]));
        let header = header_of(&screen).join(" ");
        assert_eq!(header, names.join(" "), "{word} header:\n{screen}");
    }

    // Events: those of one namespace (all of prod's would not fit on a screen), as
    // `kubectl get events -n postgres` lists them (no NAMESPACE column for one namespace).
    command(&ui, "ns postgres");
    command(&ui, "events");
    until_same(
        &ui,
        &sim,
        "events",
        &["get", "events", "-n", "postgres"],
        "events[",
    );
    command(&ui, "ns all");

    // Creates and deletes of three kinds: the screen follows within 2 s of kubectl's answer.
    let dir = sim.home.path();
    for (word, title, kind, manifest) in [
        (
            "cm",
            "ConfigMaps",
            "configmap",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: e2e-made, namespace: default}\ndata: {a: b}\n",
        ),
        (
            "svc",
            "Services",
            "service",
            "apiVersion: v1\nkind: Service\nmetadata: {name: e2e-made, namespace: default}\nspec: {selector: {app: e2e}, ports: [{port: 8080}]}\n",
        ),
        (
            "sa",
            "ServiceAccounts",
            "serviceaccount",
            "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: e2e-made, namespace: default}\n",
        ),
    ] {
        command(&ui, word);
        ui.wait_for(title, WAIT, |s| s.contains(title) && s.contains("default"));
        let file = dir.join(format!("{kind}.yaml"));
        std::fs::write(&file, manifest).unwrap();
        apply(&sim, &file);
        let made = Instant::now();
        let (_, seen) = ui.wait_for(&format!("{kind} e2e-made"), WAIT, |s| {
            s.contains(title) && s.contains("e2e-made")
        });
        let shown = made.elapsed().min(seen + Duration::from_millis(100));
        assert!(
            shown <= Duration::from_secs(2),
            "{kind} shown after {shown:?}"
        );
        sim.kubectl("prod", &["delete", kind, "e2e-made", "-n", "default"]);
        let gone = Instant::now();
        ui.wait_for(&format!("{kind} e2e-made gone"), WAIT, |s| {
            s.contains(title) && !s.contains("e2e-made")
        });
        let after = gone.elapsed();
        assert!(
            after <= Duration::from_secs(2),
            "{kind} gone after {after:?}"
        );
    }
}

fn apply(sim: &Sim, file: &Path) {
    sim.kubectl(
        "prod",
        &["apply", "--validate=false", "-f", file.to_str().unwrap()],
    );
}

const CRD: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wdg]}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Colour, type: string, jsonPath: .spec.colour}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
"#;

#[test]
fn a_crd_applied_while_running_is_completable_browsable_and_its_resources_live() {
    let sim = Sim::start();
    let ui = Tmux::start("crd", sim.home.path(), &sim.args("--context prod"), 200, 50);
    ui.wait_for("prod's pods", WAIT, |s| s.contains("nginx-ingress-"));
    // Not served yet: the word is unknown.
    command(&ui, "widgets");
    ui.wait_for("widgets unknown", WAIT, |s| s.contains("widgets"));
    ui.send(&["Escape"]);

    let crd = sim.home.path().join("crd.yaml");
    std::fs::write(&crd, CRD).unwrap();
    apply(&sim, &crd);

    // Completion learns the new words from discovery: `widg` extends to the stem the singular
    // and the plural share, then the group-qualified name completes whole.
    eventually(&ui, "`:widg` + tab completes to widget", || {
        ui.send(&["Escape"]);
        std::thread::sleep(Duration::from_millis(150));
        ui.type_text(":widg");
        ui.send(&["Tab"]);
        std::thread::sleep(Duration::from_millis(150));
        ui.screen().contains(":widget")
    });
    ui.type_text("s.ex");
    ui.send(&["Tab"]);
    ui.wait_for("the qualified name completed", WAIT, |s| {
        s.contains(":widgets.example.com ")
    });
    ui.send(&["Enter"]);
    let (screen, _) = ui.wait_for("the widgets table", WAIT, |s| s.contains("Widgets"));
    let header = header_of(&screen).join(" ");
    assert_eq!(header, "NAMESPACE NAME SIZE COLOUR AGE", "{screen}");

    let cr = sim.home.path().join("cr.yaml");
    std::fs::write(
        &cr,
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: blue-one, namespace: default}\nspec: {size: 3, colour: blue}\n",
    )
    .unwrap();
    apply(&sim, &cr);
    ui.wait_for("the widget, live", WAIT, |s| s.contains("blue-one"));
    let screen = until_same(&ui, &sim, "widgets", &["get", "widgets", "-A"], "Widgets");
    assert!(holds_in_order(
        &screen_rows(&screen)[0],
        &["default", "blue-one", "3", "blue"]
    ));
    // The short name from the CRD works too.
    command(&ui, "pods");
    command(&ui, "wdg");
    ui.wait_for("widgets by short name", WAIT, |s| {
        s.contains("Widgets") && s.contains("blue-one")
    });
}

fn eventually(ui: &Tmux, what: &str, f: impl Fn() -> bool) {
    let start = Instant::now();
    while !f() {
        if start.elapsed() > WAIT {
            panic!("timed out waiting for {what}:\n{}", ui.screen());
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[cfg(test)]
mod parsing {
    use super::*;

    #[test]
    fn kubectl_columns_are_cut_at_their_headers_even_with_spaces_inside() {
        let out = "NAMESPACE   NAME     SCHEDULE      SUSPEND   LAST SCHEDULE\n\
                   postgres    backup   */5 * * * *   False     2m\n";
        let (names, rows) = kubectl_table(out);
        assert_eq!(
            names,
            ["NAMESPACE", "NAME", "SCHEDULE", "SUSPEND", "LAST SCHEDULE"]
        );
        assert_eq!(
            rows[0],
            ["postgres", "backup", "*/5 * * * *", "False", "2m"]
        );
    }

    #[test]
    fn cells_must_be_whole_words_in_order() {
        assert!(holds_in_order("a  web-1   3/3  x", &["web-1", "3/3"]));
        assert!(!holds_in_order("a  web-10  3/3", &["web-1", "3/3"]));
        assert!(!holds_in_order("3/3 web-1", &["web-1", "3/3"]));
    }
}
