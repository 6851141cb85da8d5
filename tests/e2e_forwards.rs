//! End to end: the release binary in tmux against `kockpit sim`, with a config file holding the
//! kubeapps bookmark on prod: started from the forwards view, a real HTTP client fetches the page
//! through 127.0.0.1:8080, the view counts the connection and bytes, `s` stops it and the port
//! closes. A bookmark whose port is taken shows the sentence on screen and leaves no listener.

mod tmux;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::time::Duration;

use tmux::{Sim, Tmux, eventually_ok, rows};

const WAIT: Duration = Duration::from_secs(40);

/// 8080 as the issue asks; if something on this machine already holds it, a free port instead (said on stderr).
fn local_port() -> u16 {
    match TcpListener::bind("127.0.0.1:8080") {
        Ok(_) => 8080,
        Err(_) => {
            let port = TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            eprintln!("127.0.0.1:8080 is in use on this machine: testing on port {port} instead");
            port
        }
    }
}

/// GET / through the forward: curl when installed, else a plain HTTP/1.0 request.
fn fetch(port: u16) -> Result<String, String> {
    let url = format!("http://127.0.0.1:{port}/");
    if let Ok(out) = Command::new("curl")
        .args(["-sS", "--max-time", "10", &url])
        .output()
    {
        return if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        };
    }
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET / HTTP/1.0\r\nHost: kubeapps\r\nConnection: close\r\n\r\n")
        .map_err(|e| e.to_string())?;
    let mut text = String::new();
    s.read_to_string(&mut text).map_err(|e| e.to_string())?;
    Ok(text)
}

/// The forwards view's line for bookmark `name`, as words.
fn forward_row(screen: &str, name: &str) -> Option<Vec<String>> {
    rows(screen)
        .into_iter()
        .find(|r| r.first().is_some_and(|c| c == name))
}

#[test]
fn kubeapps_bookmark_serves_the_page_counts_bytes_and_stops() {
    let sim = Sim::start();
    eventually_ok("kubeapps pods created", WAIT, || {
        if sim
            .pod_names("prod")
            .iter()
            .any(|n| n.starts_with("kubeapps-"))
        {
            Ok(())
        } else {
            Err("no kubeapps pod yet".into())
        }
    });
    sim.kubectl(
        "prod",
        &[
            "wait",
            "--for=condition=Ready",
            "pod",
            "-l",
            "app=kubeapps",
            "-n",
            "kubeapps",
            "--timeout=40s",
        ],
    );
    let port = local_port();
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let busy_port = busy.local_addr().unwrap().port();
    let dir = sim.home.path().join(".config/kockpit");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("config.yaml"),
        format!(
            "forwards:\n  - name: kubeapps\n    context: prod\n    namespace: kubeapps\n    target: svc/kubeapps\n    ports: \"{port}:80\"\n  - name: busy\n    context: prod\n    namespace: kubeapps\n    target: deploy/kubeapps\n    ports: \"{busy_port}:8080\"\n"
        ),
    )
    .unwrap();
    let ui = Tmux::start(
        "forwards",
        sim.home.path(),
        &sim.args("--context prod"),
        180,
        30,
    );
    ui.wait_for("the pods table", WAIT, |s| s.contains("kubeapps-"));
    ui.type_text(":forwards");
    ui.send(&["Enter"]);
    ui.wait_for("both bookmarks, stopped", WAIT, |s| {
        forward_row(s, "kubeapps").is_some_and(|r| r.contains(&"stopped".to_string()))
            && forward_row(s, "busy").is_some()
    });

    ui.send(&["Enter"]);
    ui.wait_for("the kubeapps forward listening", WAIT, |s| {
        forward_row(s, "kubeapps").is_some_and(|r| r.contains(&"listening".to_string()))
    });
    let page = fetch(port).expect("the page through the forward");
    assert!(page.contains("<title>Kubeapps</title>"), "{page}");
    let (screen, _) = ui.wait_for("one connection and its bytes counted", WAIT, |s| {
        forward_row(s, "kubeapps")
            .is_some_and(|r| r.contains(&"0/1".to_string()) && r.contains(&"listening".to_string()))
    });
    let row = forward_row(&screen, "kubeapps").unwrap();
    let at = row.iter().position(|c| c == "0/1").unwrap();
    // BYTES IN then BYTES OUT, each "N B" or "N.N KiB": both non-zero.
    let bytes_in: f64 = row[at + 1].parse().unwrap();
    let bytes_out: f64 = row[at + 3].parse().unwrap();
    assert!(bytes_in > 0.0 && bytes_out > 0.0, "{row:?}");
    assert!(
        row.iter().any(|c| c == &format!("127.0.0.1:{port}")),
        "{row:?}"
    );

    ui.send(&["s"]);
    ui.wait_for("the forward stopped", WAIT, |s| {
        forward_row(s, "kubeapps").is_some_and(|r| r.contains(&"stopped".to_string()))
    });
    eventually_ok("the local port closed", WAIT, || {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(_) => Err(format!("127.0.0.1:{port} still accepts")),
            Err(_) => Ok(()),
        }
    });

    ui.send(&["Down"]);
    ui.send(&["Enter"]);
    let (screen, _) = ui.wait_for("the port-in-use sentence", WAIT, |s| {
        s.contains(&format!(
            "local port {busy_port} on 127.0.0.1 is already in use"
        ))
    });
    assert!(
        forward_row(&screen, "busy").is_some_and(|r| r.contains(&"failed".to_string())),
        "{screen}"
    );
    drop(busy);
    assert!(
        TcpStream::connect(("127.0.0.1", busy_port)).is_err(),
        "kockpit left no listener on {busy_port}"
    );
}
