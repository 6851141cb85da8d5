//! `wget` (busybox) and `curl` inside a simulated container: the URL's host is resolved by the
//! cluster DNS, the connection goes through [`Network::connect`] (services, NetworkPolicies),
//! and an open connection is answered by the pod's simulated backend (`sim::backend`). Pure:
//! the result says what to print, the exit code, and how long the client waited first.

use std::time::Duration;

use super::builtins::Outcome;
use super::container::Container;
use super::dns;
use super::network::{Connect, Network};
use crate::sim::backend;

/// How long a client without a timeout option waits for a dropped connection (real ones wait
/// minutes; the simulator keeps sessions moving).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

struct Url {
    host: String,
    port: u16,
    path: String,
}

fn parse_url(url: &str) -> Result<Url, String> {
    let rest = match url.split_once("://") {
        Some(("http", rest)) => rest,
        Some((scheme, _)) => return Err(format!("unsupported scheme {scheme}")),
        None => url,
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().map_err(|_| format!("bad port {p}"))?),
        None => (authority, 80),
    };
    if host.is_empty() {
        return Err("no host".into());
    }
    Ok(Url {
        host: host.to_string(),
        port,
        path: path.to_string(),
    })
}

/// What the connection and request came to.
enum Fetched {
    BadAddress,
    Refused {
        ip: String,
    },
    TimedOut {
        ip: String,
    },
    Response {
        ip: String,
        head: String,
        body: String,
    },
}

fn fetch(c: &Container, net: &Network, url: &Url) -> Fetched {
    let Some(resolved) = dns::resolve(net, &c.namespace, &url.host) else {
        return Fetched::BadAddress;
    };
    let ip = resolved.addresses[0].clone();
    match net.connect(&c.pod_object, &ip, url.port) {
        Connect::Refused => Fetched::Refused { ip },
        Connect::TimedOut => Fetched::TimedOut { ip },
        Connect::Open { pod, port } => {
            let raw =
                String::from_utf8_lossy(&backend::respond(&pod, port, &url.path)).into_owned();
            let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
            Fetched::Response {
                ip,
                head: head.to_string(),
                body: body.to_string(),
            }
        }
    }
}

fn seconds(v: &str) -> Option<Duration> {
    v.parse::<f64>()
        .ok()
        .filter(|s| *s >= 0.0)
        .map(Duration::from_secs_f64)
}

/// busybox `wget [-q] [-O FILE] [-T SEC] [--spider] URL`.
pub fn wget(c: &Container, net: &dyn Fn() -> Network, args: &[String]) -> Outcome {
    let mut quiet = false;
    let mut spider = false;
    let mut output: Option<String> = None;
    let mut timeout = DEFAULT_TIMEOUT;
    let mut url = None;
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let take = |i: &mut usize| {
            *i += 1;
            args.get(*i).cloned().unwrap_or_default()
        };
        if a == "--spider" || a == "-s" {
            spider = true;
        } else if a == "-q" || a == "--quiet" {
            quiet = true;
        } else if let Some(v) = a.strip_prefix("--timeout=") {
            timeout = seconds(v).unwrap_or(timeout);
        } else if let Some(v) = a.strip_prefix("--output-document=") {
            output = Some(v.to_string());
        } else if a.starts_with('-') && a.len() > 1 && !a.starts_with("--") {
            // Bundled short options: -qO- , -qO FILE, -T1, -T 1
            for (j, ch) in a[1..].char_indices() {
                let rest = &a[1 + j + ch.len_utf8()..];
                match ch {
                    'q' => quiet = true,
                    's' => spider = true,
                    'O' | 'T' | 'Y' | 'U' | 'P' | 'o' => {
                        let v = if rest.is_empty() {
                            take(&mut i)
                        } else {
                            rest.to_string()
                        };
                        match ch {
                            'O' => output = Some(v),
                            'T' => timeout = seconds(&v).unwrap_or(timeout),
                            _ => {}
                        }
                        break;
                    }
                    _ => {}
                }
            }
        } else if a.starts_with("--") {
        } else {
            url = Some(a.clone());
        }
        i += 1;
    }
    let Some(url) = url else {
        return Outcome::fail(
            1,
            "BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[-P DIR] [-U AGENT] [-T SEC] URL...\n",
        );
    };
    let u = match parse_url(&url) {
        Ok(u) => u,
        Err(_) => return Outcome::fail(1, &format!("wget: bad address '{url}'\n")),
    };
    let connecting = |ip: &str| {
        if quiet {
            String::new()
        } else {
            format!("Connecting to {}:{} ({ip}:{})\n", u.host, u.port, u.port)
                .replace(&format!("{}:80 (", u.host), &format!("{} (", u.host))
        }
    };
    match fetch(c, &net(), &u) {
        Fetched::BadAddress => Outcome::fail(1, &format!("wget: bad address '{}'\n", u.host)),
        Fetched::Refused { ip } => Outcome::fail(
            1,
            &format!(
                "{}wget: can't connect to remote host ({ip}): Connection refused\n",
                connecting(&ip)
            ),
        ),
        Fetched::TimedOut { ip } => {
            let mut o = Outcome::fail(1, &format!("{}wget: download timed out\n", connecting(&ip)));
            o.wait = timeout;
            o
        }
        Fetched::Response { ip, head, body } => {
            let status = head.lines().next().unwrap_or_default().to_string();
            if !status.contains(" 200 ") {
                return Outcome::fail(
                    1,
                    &format!("{}wget: server returned error: {status}\n", connecting(&ip)),
                );
            }
            let mut o = Outcome::ok(String::new());
            let mut err = connecting(&ip);
            if spider {
                if !quiet {
                    err.push_str("remote file exists\n");
                }
                o.stderr = err;
                return o;
            }
            let to_stdout = output.as_deref() == Some("-");
            let file = output.clone().unwrap_or_else(|| {
                u.path
                    .rsplit('/')
                    .next()
                    .filter(|f| !f.is_empty())
                    .unwrap_or("index.html")
                    .to_string()
            });
            if !quiet {
                if to_stdout {
                    err.push_str("writing to stdout\n");
                } else {
                    err.push_str(&format!("saving to '{file}'\n"));
                }
            }
            if to_stdout {
                o.stdout = body.clone();
            }
            if !quiet {
                let name = if to_stdout { "-" } else { file.as_str() };
                err.push_str(&format!(
                    "{name:<20} 100% |********************************| {:>5}  0:00:00 ETA\n",
                    body.len()
                ));
                err.push_str(&if to_stdout {
                    "written to stdout\n".to_string()
                } else {
                    format!("'{file}' saved\n")
                });
            }
            o.stderr = err;
            o
        }
    }
}

/// `curl [-s] [-S] [-i|-I] [-f] [-o FILE] [-m SEC] [--connect-timeout SEC] URL`.
pub fn curl(c: &Container, net: &dyn Fn() -> Network, args: &[String]) -> Outcome {
    let mut silent = false;
    let mut show_error = false;
    let mut include = false;
    let mut head_only = false;
    let mut fail = false;
    let mut to_file = false;
    let mut timeout = DEFAULT_TIMEOUT;
    let mut url = None;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "-m" | "--max-time" | "--connect-timeout" => {
                i += 1;
                timeout = args.get(i).and_then(|v| seconds(v)).unwrap_or(timeout);
            }
            "-o" | "--output" => {
                i += 1;
                to_file = args.get(i).is_some_and(|f| f != "-");
            }
            "-H" | "--header" | "-X" | "--request" | "-d" | "--data" | "-u" | "-A" => i += 1,
            _ if a.starts_with("--") => match a {
                "--silent" => silent = true,
                "--show-error" => show_error = true,
                "--include" => include = true,
                "--head" => head_only = true,
                "--fail" => fail = true,
                _ => {}
            },
            _ if a.starts_with('-') && a.len() > 1 => {
                for ch in a[1..].chars() {
                    match ch {
                        's' => silent = true,
                        'S' => show_error = true,
                        'i' => include = true,
                        'I' => head_only = true,
                        'f' => fail = true,
                        _ => {}
                    }
                }
            }
            _ => url = Some(a.to_string()),
        }
        i += 1;
    }
    let Some(url) = url else {
        return Outcome::fail(
            2,
            "curl: try 'curl --help' or 'curl --manual' for more information\n",
        );
    };
    let quiet_errors = silent && !show_error;
    let error = |code: i32, text: String| {
        Outcome::fail(
            code,
            &if quiet_errors {
                String::new()
            } else {
                format!("curl: ({code}) {text}\n")
            },
        )
    };
    let u = match parse_url(&url) {
        Ok(u) => u,
        Err(e) => return error(3, format!("URL rejected: {e}")),
    };
    match fetch(c, &net(), &u) {
        Fetched::BadAddress => error(6, format!("Could not resolve host: {}", u.host)),
        Fetched::Refused { .. } => error(
            7,
            format!(
                "Failed to connect to {} port {} after 0 ms: Couldn't connect to server",
                u.host, u.port
            ),
        ),
        Fetched::TimedOut { .. } => {
            let mut o = error(
                28,
                format!(
                    "Failed to connect to {} port {} after {} ms: Timeout was reached",
                    u.host,
                    u.port,
                    timeout.as_millis()
                ),
            );
            o.wait = timeout;
            o
        }
        Fetched::Response { head, body, .. } => {
            let status = head.lines().next().unwrap_or_default().to_string();
            if fail && !status.contains(" 200 ") {
                let code = status.split_whitespace().nth(1).unwrap_or("500");
                return error(22, format!("The requested URL returned error: {code}"));
            }
            let head = format!("{}\r\n\r\n", head);
            let text = if head_only {
                head
            } else if include {
                format!("{head}{body}")
            } else {
                body
            };
            Outcome::ok(if to_file { String::new() } else { text })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::container::Container;
    use super::super::network::tests::sample;
    use super::*;

    fn busybox_in(ns: &str, index: usize) -> Container {
        let net = sample();
        let pod = net.pods[index].clone();
        let mut c =
            super::super::container::build(&pod, "busybox", &[], "100.64.0.10", "", &|_, _, _| {
                None
            });
        c.namespace = ns.to_string();
        c
    }

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn wget_fetches_the_kubeapps_page_through_its_service() {
        let c = busybox_in("prod", 3);
        let o = wget(&c, &sample, &args("-qO- http://kubeapps.kubeapps"));
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert!(
            o.stdout.contains("<title>kubeapps</title>") || o.stdout.contains("kubeapps-a"),
            "{}",
            o.stdout
        );
        assert_eq!(o.stderr, "");
        let loud = wget(&c, &sample, &args("-O- http://kubeapps.kubeapps/"));
        assert!(
            loud.stderr.starts_with(
                "Connecting to kubeapps.kubeapps (100.64.5.6:80)\nwriting to stdout\n"
            ),
            "{}",
            loud.stderr
        );
        assert!(loud.stderr.ends_with("written to stdout\n"));
    }

    #[test]
    fn wget_spider_times_out_where_a_policy_denies_and_succeeds_where_it_allows() {
        let from_dev = busybox_in("dev", 4);
        let o = wget(
            &from_dev,
            &sample,
            &args("--spider -T 1 http://postgres-0.postgres.postgres:5432"),
        );
        assert_eq!(o.code, 1);
        assert_eq!(o.wait, Duration::from_secs(1));
        assert!(
            o.stderr.ends_with("wget: download timed out\n"),
            "{}",
            o.stderr
        );
        let from_prod = busybox_in("prod", 3);
        let o = wget(
            &from_prod,
            &sample,
            &args("--spider -T 1 http://postgres-0.postgres.postgres:5432"),
        );
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert!(o.stderr.ends_with("remote file exists\n"));
        assert_eq!(o.wait, Duration::ZERO);
    }

    #[test]
    fn unknown_hosts_and_closed_ports_fail_like_busybox_and_curl() {
        let c = busybox_in("prod", 3);
        let o = wget(&c, &sample, &args("-qO- http://nosuch"));
        assert_eq!(
            (o.code, o.stderr.as_str()),
            (1, "wget: bad address 'nosuch'\n")
        );
        let o = wget(&c, &sample, &args("-q -O - http://empty.kubeapps"));
        assert!(o.stderr.contains("Connection refused"), "{}", o.stderr);
        let o = curl(&c, &sample, &args("http://nosuch"));
        assert_eq!(
            (o.code, o.stderr.as_str()),
            (6, "curl: (6) Could not resolve host: nosuch\n")
        );
        let o = curl(&c, &sample, &args("-s http://kubeapps.kubeapps"));
        assert_eq!(o.code, 0);
        assert!(o.stdout.contains("<html>"));
    }
}
