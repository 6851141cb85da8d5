//! The programs of a simulated container: each takes its arguments and standard input and
//! returns what it prints, its exit code, how long it ran, and what the shell must do next
//! (exit, run a script, start a nested shell, set variables). Pure: no process is started.

use std::time::Duration;

use super::container::{Container, Flavor};
use super::dns;
use super::fetch;
use super::network::Network;

/// What the shell does after a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Then {
    Continue,
    /// `exit`: leave the current shell with the outcome's code.
    Exit,
    /// `sh -c SCRIPT`: run the script in a subshell.
    Script {
        shell: String,
        script: String,
    },
    /// `sh` or `bash` without a script: an interactive shell (TTY) or commands from stdin.
    Shell {
        shell: String,
    },
    /// `export`/`NAME=value`: set variables in the current shell.
    Set(Vec<(String, String)>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
    /// How long the command runs before its output appears (`sleep`, a timed-out download).
    pub wait: Duration,
    pub then: Then,
}

impl Outcome {
    pub fn ok(stdout: String) -> Outcome {
        Outcome {
            stdout,
            stderr: String::new(),
            code: 0,
            wait: Duration::ZERO,
            then: Then::Continue,
        }
    }

    pub fn fail(code: i32, stderr: &str) -> Outcome {
        Outcome {
            stderr: stderr.to_string(),
            code,
            ..Outcome::ok(String::new())
        }
    }

    fn then(mut self, then: Then) -> Outcome {
        self.then = then;
        self
    }
}

/// What a command can see besides its arguments.
pub struct Ctx<'a> {
    pub container: &'a Container,
    /// The shell's variables (the container's environment plus what was exported).
    pub vars: &'a [(String, String)],
    /// The cluster network, built only by the commands that need it.
    pub network: &'a dyn Fn() -> Network,
    /// `Some((rows, cols))` on a TTY: the last size the client sent.
    pub tty: Option<(u16, u16)>,
    /// The shells running in this session, outermost first (for `ps`).
    pub shells: &'a [String],
    /// Which shell reports "not found": `sh` or `bash`.
    pub shell: &'a str,
    pub now: jiff::Timestamp,
}

/// The message of a command the image does not have.
pub fn not_found(shell: &str, program: &str) -> Outcome {
    let text = if shell == "bash" {
        format!("bash: {program}: command not found\n")
    } else {
        format!("sh: {program}: not found\n")
    };
    Outcome::fail(127, &text)
}

fn is_assignment(word: &str) -> Option<(String, String)> {
    let (name, value) = word.split_once('=')?;
    let valid = !name.is_empty()
        && name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric())
        && !name.starts_with(|c: char| c.is_ascii_digit());
    valid.then(|| (name.to_string(), value.to_string()))
}

fn parent_of(path: &str) -> &str {
    match path.rsplit_once('/') {
        Some(("", _)) => "/",
        Some((p, _)) => p,
        None => "/",
    }
}

fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

fn ls(c: &Container, tty: bool, args: &[String]) -> Outcome {
    let paths: Vec<String> = args
        .iter()
        .filter(|a| !a.starts_with('-'))
        .map(|a| normalize(a))
        .collect();
    let paths = if paths.is_empty() {
        vec!["/".to_string()]
    } else {
        paths
    };
    let mut out = String::new();
    let mut err = String::new();
    for (n, path) in paths.iter().enumerate() {
        if c.files.contains_key(path) {
            out.push_str(&format!("{path}\n"));
            continue;
        }
        if !c.dirs.contains(path) {
            err.push_str(&format!("ls: {path}: No such file or directory\n"));
            continue;
        }
        let mut names: Vec<String> = c
            .dirs
            .iter()
            .filter(|d| *d != path && parent_of(d) == path)
            .chain(c.files.keys().filter(|f| parent_of(f) == path))
            .map(|p| p.rsplit('/').next().unwrap_or_default().to_string())
            .collect();
        if path == "/" {
            names.extend(["lib".to_string(), "sbin".to_string()]);
        }
        names.sort();
        names.dedup();
        if paths.len() > 1 {
            if n > 0 {
                out.push('\n');
            }
            out.push_str(&format!("{path}:\n"));
        }
        if tty {
            if !names.is_empty() {
                out.push_str(&names.join("  "));
                out.push('\n');
            }
        } else {
            for name in names {
                out.push_str(&name);
                out.push('\n');
            }
        }
    }
    Outcome {
        code: if err.is_empty() { 0 } else { 1 },
        stderr: err,
        ..Outcome::ok(out)
    }
}

fn cat(c: &Container, args: &[String], stdin: &str) -> Outcome {
    if args.is_empty() {
        return Outcome::ok(stdin.to_string());
    }
    let mut out = String::new();
    let mut err = String::new();
    for a in args {
        let path = normalize(a);
        match c.files.get(&path) {
            Some(text) => out.push_str(text),
            None if c.dirs.contains(&path) => err.push_str("cat: read error: Is a directory\n"),
            None => err.push_str(&format!(
                "cat: can't open '{a}': No such file or directory\n"
            )),
        }
    }
    Outcome {
        code: if err.is_empty() { 0 } else { 1 },
        stderr: err,
        ..Outcome::ok(out)
    }
}

fn ps(ctx: &Ctx) -> Outcome {
    let mut procs: Vec<String> = vec![ctx.container.main.clone()];
    procs.extend(ctx.shells.iter().cloned());
    procs.push("ps".into());
    let mut out = String::new();
    if ctx.container.flavor == Flavor::Busybox {
        out.push_str("PID   USER     TIME  COMMAND\n");
        for (i, p) in procs.iter().enumerate() {
            let pid = if i == 0 { 1 } else { 6 + 7 * i };
            out.push_str(&format!("{pid:>5} root      0:00 {p}\n"));
        }
    } else {
        out.push_str("    PID TTY          TIME CMD\n");
        for (i, p) in procs.iter().enumerate() {
            let pid = if i == 0 { 1 } else { 6 + 7 * i };
            let tty = if i == 0 || ctx.tty.is_none() {
                "?"
            } else {
                "pts/0"
            };
            let name = p.split_whitespace().next().unwrap_or_default();
            out.push_str(&format!("{pid:>7} {tty:<8} 00:00:00 {name}\n"));
        }
    }
    Outcome::ok(out)
}

fn nslookup(ctx: &Ctx, args: &[String]) -> Outcome {
    let Some(name) = args.iter().find(|a| !a.starts_with('-')) else {
        return Outcome::fail(
            1,
            "Usage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n",
        );
    };
    let net = (ctx.network)();
    let server = net.dns_ip();
    let sep = if ctx.container.flavor == Flavor::Busybox {
        ':'
    } else {
        '#'
    };
    let mut out = format!("Server:\t\t{server}\nAddress:\t{server}{sep}53\n\n");
    match dns::resolve(&net, &ctx.container.namespace, name) {
        Some(r) => {
            for a in &r.addresses {
                out.push_str(&format!("Name:\t{}\nAddress: {a}\n", r.name));
            }
            out.push('\n');
            Outcome::ok(out)
        }
        None => {
            out.push_str(&format!("** server can't find {name}: NXDOMAIN\n\n"));
            Outcome {
                code: 1,
                ..Outcome::ok(out)
            }
        }
    }
}

fn getent(ctx: &Ctx, args: &[String]) -> Outcome {
    let (Some(db), names) = (args.first(), &args[args.len().min(1)..]) else {
        return Outcome::fail(1, "Usage: getent database [key ...]\n");
    };
    if db != "hosts" && db != "ahosts" {
        return Outcome::fail(1, &format!("Unknown database: {db}\n"));
    }
    let net = (ctx.network)();
    let mut out = String::new();
    let mut code = 0;
    for name in names {
        let c = ctx.container;
        if *name == c.hostname || *name == "localhost" {
            let ip = if *name == "localhost" {
                "127.0.0.1"
            } else {
                &c.pod_ip
            };
            out.push_str(&format!("{ip:<15} {name}\n"));
            continue;
        }
        match dns::resolve(&net, &c.namespace, name) {
            Some(r) => {
                for a in r.addresses {
                    out.push_str(&format!("{a:<15} {}\n", r.name));
                }
            }
            None => code = 2,
        }
    }
    Outcome {
        code,
        ..Outcome::ok(out)
    }
}

fn grep(args: &[String], stdin: &str) -> Outcome {
    let mut invert = false;
    let mut ignore_case = false;
    let mut count = false;
    let mut pattern = None;
    for a in args {
        if a.starts_with('-') && a.len() > 1 && pattern.is_none() {
            for ch in a[1..].chars() {
                match ch {
                    'v' => invert = true,
                    'i' => ignore_case = true,
                    'c' => count = true,
                    _ => {}
                }
            }
        } else if pattern.is_none() {
            pattern = Some(a.clone());
        }
    }
    let Some(p) = pattern else {
        return Outcome::fail(2, "Usage: grep [-vic] PATTERN\n");
    };
    let re = regex::RegexBuilder::new(&p)
        .case_insensitive(ignore_case)
        .build()
        .unwrap_or_else(|_| regex::Regex::new(&regex::escape(&p)).expect("escaped pattern"));
    let lines: Vec<&str> = stdin.lines().filter(|l| re.is_match(l) != invert).collect();
    let code = if lines.is_empty() { 1 } else { 0 };
    let out = if count {
        format!("{}\n", lines.len())
    } else {
        lines.iter().map(|l| format!("{l}\n")).collect()
    };
    Outcome {
        code,
        ..Outcome::ok(out)
    }
}

fn head_tail(head: bool, args: &[String], stdin: &str) -> Outcome {
    let mut n = 10usize;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "-n" {
            n = it.next().and_then(|v| v.parse().ok()).unwrap_or(n);
        } else if let Some(v) = a.strip_prefix("-n").or_else(|| a.strip_prefix('-')) {
            n = v.parse().unwrap_or(n);
        }
    }
    let lines: Vec<&str> = stdin.lines().collect();
    let chosen = if head {
        &lines[..n.min(lines.len())]
    } else {
        &lines[lines.len().saturating_sub(n)..]
    };
    Outcome::ok(chosen.iter().map(|l| format!("{l}\n")).collect())
}

fn stty(ctx: &Ctx, args: &[String]) -> Outcome {
    let Some((rows, cols)) = ctx.tty else {
        return Outcome::fail(1, "stty: standard input: Not a tty\n");
    };
    match args.first().map(String::as_str) {
        Some("size") => Outcome::ok(format!("{rows} {cols}\n")),
        None | Some("-a") => Outcome::ok(format!(
            "speed 38400 baud; rows {rows}; columns {cols}; line = 0;\n"
        )),
        Some(_) => Outcome::ok(String::new()),
    }
}

/// Runs one simple command: `argv[0]` with its arguments, `stdin` from a pipe (or empty).
pub fn run(ctx: &Ctx, argv: &[String], stdin: &str) -> Outcome {
    let Some(program) = argv.first() else {
        return Outcome::ok(String::new());
    };
    let args = &argv[1..];
    let c = ctx.container;
    let name = program.rsplit('/').next().unwrap_or(program).to_string();
    if !program.contains('/')
        && let Some(first) = is_assignment(program)
    {
        let mut vars = vec![first];
        for a in args {
            match is_assignment(a) {
                Some(v) => vars.push(v),
                None => return not_found(ctx.shell, a),
            }
        }
        return Outcome::ok(String::new()).then(Then::Set(vars));
    }
    if !c.flavor.has(&name) {
        return not_found(ctx.shell, program);
    }
    let lookup = |k: &str| {
        ctx.vars
            .iter()
            .rev()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
    };
    match name.as_str() {
        "env" | "printenv" => {
            if let Some(var) = args.first().filter(|_| name == "printenv") {
                return match lookup(var) {
                    Some(v) => Outcome::ok(format!("{v}\n")),
                    None => Outcome::fail(1, ""),
                };
            }
            let mut out = String::new();
            for (k, v) in ctx.vars {
                out.push_str(&format!("{k}={v}\n"));
            }
            Outcome::ok(out)
        }
        "hostname" => Outcome::ok(format!("{}\n", c.hostname)),
        "cat" => cat(c, args, stdin),
        "ls" => ls(c, ctx.tty.is_some(), args),
        "echo" => {
            let (newline, words) = match args.first().map(String::as_str) {
                Some("-n") => (false, &args[1..]),
                _ => (true, args),
            };
            let mut out = words.join(" ");
            if newline {
                out.push('\n');
            }
            Outcome::ok(out)
        }
        "date" => {
            let text = ctx.now.strftime("%a %b %e %H:%M:%S UTC %Y").to_string();
            Outcome::ok(format!("{text}\n"))
        }
        "sleep" => {
            let secs = args.first().map(|a| a.trim_end_matches('s')).and_then(|a| {
                if a == "infinity" {
                    Some(f64::MAX)
                } else {
                    a.parse::<f64>().ok()
                }
            });
            match secs {
                Some(s) if s >= 0.0 => Outcome {
                    wait: Duration::from_secs_f64(s.min(1e9)),
                    ..Outcome::ok(String::new())
                },
                _ => Outcome::fail(
                    1,
                    &format!(
                        "sleep: invalid number '{}'\n",
                        args.first().cloned().unwrap_or_default()
                    ),
                ),
            }
        }
        "exit" => {
            let code = match args.first() {
                None => lookup("?").and_then(|v| v.parse().ok()).unwrap_or(0),
                Some(a) => match a.parse::<i64>() {
                    Ok(n) => (n & 0xff) as i32,
                    Err(_) => {
                        return Outcome::fail(
                            2,
                            &format!("{}: exit: Illegal number: {a}\n", ctx.shell),
                        )
                        .then(Then::Exit);
                    }
                },
            };
            Outcome {
                code,
                ..Outcome::ok(String::new())
            }
            .then(Then::Exit)
        }
        "true" | ":" | "cd" => Outcome::ok(String::new()),
        "false" => Outcome::fail(1, ""),
        "pwd" => Outcome::ok("/\n".into()),
        "whoami" => Outcome::ok("root\n".into()),
        "id" => Outcome::ok("uid=0(root) gid=0(root) groups=0(root),10(wheel)\n".into()),
        "uname" => Outcome::ok(if args.iter().any(|a| a == "-a") {
            format!("Linux {} 6.1.112 #1 SMP x86_64 GNU/Linux\n", c.hostname)
        } else {
            "Linux\n".into()
        }),
        "clear" => Outcome::ok("\x1b[H\x1b[J".into()),
        "ps" => ps(ctx),
        "nslookup" => nslookup(ctx, args),
        "getent" => getent(ctx, args),
        "wget" => fetch::wget(c, ctx.network, args),
        "curl" => fetch::curl(c, ctx.network, args),
        "grep" => grep(args, stdin),
        "head" => head_tail(true, args, stdin),
        "tail" => head_tail(false, args, stdin),
        "wc" => {
            let n = stdin.lines().count();
            Outcome::ok(if args.iter().any(|a| a == "-l") {
                format!("{n}\n")
            } else {
                format!(
                    "{n:>8} {:>8} {:>8}\n",
                    stdin.split_whitespace().count(),
                    stdin.len()
                )
            })
        }
        "sort" => {
            let mut lines: Vec<&str> = stdin.lines().collect();
            lines.sort();
            Outcome::ok(lines.iter().map(|l| format!("{l}\n")).collect())
        }
        "stty" => stty(ctx, args),
        "export" => {
            let vars: Vec<(String, String)> = args
                .iter()
                .filter_map(|a| is_assignment(a).or_else(|| lookup(a).map(|v| (a.clone(), v))))
                .collect();
            Outcome::ok(String::new()).then(Then::Set(vars))
        }
        "sh" | "bash" | "ash" => {
            let shell = if name == "bash" { "bash" } else { "sh" }.to_string();
            let mut it = args.iter();
            while let Some(a) = it.next() {
                if a == "-c" || (a.starts_with('-') && a.contains('c')) {
                    return match it.next() {
                        Some(script) => Outcome::ok(String::new()).then(Then::Script {
                            shell,
                            script: script.clone(),
                        }),
                        None => Outcome::fail(2, &format!("{shell}: -c requires an argument\n")),
                    };
                }
                if !a.starts_with('-') {
                    return Outcome::fail(
                        if shell == "bash" { 127 } else { 2 },
                        &format!("{shell}: can't open '{a}': No such file or directory\n"),
                    );
                }
            }
            Outcome::ok(String::new()).then(Then::Shell { shell })
        }
        _ => not_found(ctx.shell, program),
    }
}

#[cfg(test)]
mod tests {
    use super::super::container::build;
    use super::super::network::tests::sample;
    use super::*;

    fn container() -> Container {
        let mut pod = sample().pods[3].clone();
        pod["spec"]["containers"][0]["image"] = "busybox:1.36".into();
        pod["spec"]["containers"][0]["command"] = serde_json::json!(["sh", "-c", "ping 8.8.8.8"]);
        build(
            &pod,
            "busybox",
            &sample().services,
            "100.64.0.10",
            "",
            &|_, _, _| None,
        )
    }

    fn run_line(c: &Container, line: &str) -> Outcome {
        let argv: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        let ctx = Ctx {
            container: c,
            vars: &c.env,
            network: &sample,
            tty: None,
            shells: &["sh".to_string()],
            shell: "sh",
            now: jiff::Timestamp::from_second(1_735_689_600).unwrap(),
        };
        run(&ctx, &argv, "")
    }

    #[test]
    fn hostname_env_and_files_describe_the_pod() {
        let c = container();
        assert_eq!(run_line(&c, "hostname").stdout, "busybox-1\n");
        let env = run_line(&c, "env").stdout;
        assert!(env.starts_with("PATH=/usr/local/sbin"), "{env}");
        assert!(env.contains("HOSTNAME=busybox-1\n"), "{env}");
        assert!(env.ends_with("HOME=/root\n"), "{env}");
        let resolv = run_line(&c, "cat /etc/resolv.conf").stdout;
        assert!(
            resolv.starts_with("search prod.svc.cluster.local svc.cluster.local cluster.local\n")
        );
        assert!(
            run_line(&c, "cat /etc/hosts")
                .stdout
                .contains("100.96.2.2\tbusybox-1")
        );
        let missing = run_line(&c, "cat /nope");
        assert_eq!(
            (missing.code, missing.stderr.as_str()),
            (1, "cat: can't open '/nope': No such file or directory\n")
        );
        assert!(run_line(&c, "ls").stdout.contains("etc\n"));
        assert_eq!(
            run_line(&c, "ls /var/run/secrets/kubernetes.io/serviceaccount").stdout,
            "ca.crt\nnamespace\ntoken\n"
        );
    }

    #[test]
    fn nslookup_prints_the_cluster_ip_or_nxdomain() {
        let c = container();
        let o = run_line(&c, "nslookup kubeapps.kubeapps");
        assert_eq!(
            o.stdout,
            "Server:\t\t100.64.0.10\nAddress:\t100.64.0.10:53\n\nName:\tkubeapps.kubeapps.svc.cluster.local\nAddress: 100.64.5.6\n\n"
        );
        let o = run_line(&c, "nslookup nosuch");
        assert_eq!(o.code, 1);
        assert!(o.stdout.contains("** server can't find nosuch: NXDOMAIN\n"));
        let g = run_line(&c, "getent hosts kubeapps.kubeapps");
        assert_eq!(
            g.stdout,
            "100.64.5.6      kubeapps.kubeapps.svc.cluster.local\n"
        );
        assert_eq!(run_line(&c, "getent hosts nosuch").code, 2);
    }

    #[test]
    fn exit_codes_sleep_and_missing_programs() {
        let c = container();
        let e = run_line(&c, "exit 3");
        assert_eq!((e.code, e.then.clone()), (3, Then::Exit));
        assert_eq!(run_line(&c, "sleep 2").wait, Duration::from_secs(2));
        let n = run_line(&c, "nosuch");
        assert_eq!(
            (n.code, n.stderr.as_str()),
            (127, "sh: nosuch: not found\n")
        );
        // busybox has no bash or curl
        assert_eq!(run_line(&c, "bash").code, 127);
        assert_eq!(run_line(&c, "curl http://x").code, 127);
        assert_eq!(
            run_line(&c, "date").stdout,
            "Wed Jan  1 00:00:00 UTC 2025\n"
        );
        assert!(
            run_line(&c, "ps")
                .stdout
                .contains("    1 root      0:00 sh -c ping 8.8.8.8\n")
        );
        assert_eq!(
            run_line(&c, "sh -c exit").then,
            Then::Script {
                shell: "sh".into(),
                script: "exit".into()
            }
        );
        assert_eq!(run_line(&c, "sh").then, Then::Shell { shell: "sh".into() });
        assert_eq!(run_line(&c, "stty size").code, 1);
    }

    #[test]
    fn grep_filters_piped_input() {
        let c = container();
        let ctx = Ctx {
            container: &c,
            vars: &c.env,
            network: &sample,
            tty: Some((40, 120)),
            shells: &[],
            shell: "sh",
            now: jiff::Timestamp::now(),
        };
        let o = run(
            &ctx,
            &["grep".into(), "KUBEAPPS".into()],
            "A=1\nKUBEAPPS_X=2\n",
        );
        assert_eq!(o.stdout, "KUBEAPPS_X=2\n");
        assert_eq!(
            run(&ctx, &["stty".into(), "size".into()], "").stdout,
            "40 120\n"
        );
    }
}
