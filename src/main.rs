//! The kockpit binary: the cockpit on the operator's kubeconfig, the demo on simulated
//! clusters, and the Kubernetes API simulator.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, CommandFactory, Parser, Subcommand};

use kockpit::app::forwards::ForwardsState;
use kockpit::app::namespaces::Namespaces;
use kockpit::app::state::State;
use kockpit::cluster::kubeconfig;
use kockpit::exec::run;
use kockpit::recovery::audit;
use kockpit::settings::{config, keymap};
use kockpit::sim::{SimOptions, Simulator};
use kockpit::ui::theme;

#[derive(Parser, Debug)]
#[command(
    name = "kockpit",
    version,
    about = "A terminal cockpit for Kubernetes clusters"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    cockpit: CockpitArgs,
}

#[derive(Args, Debug, Clone, Default)]
struct CockpitArgs {
    /// Kubeconfig file (default: $KUBECONFIG, merged as kubectl merges it, else ~/.kube/config).
    #[arg(long, global = true)]
    kubeconfig: Option<PathBuf>,
    /// Contexts to open live, comma-separated (default: the current context).
    #[arg(long, value_delimiter = ',', global = true)]
    context: Vec<String>,
    /// Only these namespaces, comma-separated (`-n kubeapps,postgres`).
    #[arg(short = 'n', long, global = true, conflicts_with = "all_namespaces")]
    namespace: Option<String>,
    /// All namespaces (the default).
    #[arg(short = 'A', long, global = true)]
    all_namespaces: bool,
    /// Remove every mutation from keys, menus and help.
    #[arg(long, global = true)]
    readonly: bool,
    /// Theme name (default, light, mono16, high-contrast) or a YAML file.
    #[arg(long, global = true)]
    theme: Option<String>,
    /// Keymap name (default, vim) or a YAML file.
    #[arg(long, global = true)]
    keymap: Option<String>,
    /// Start this saved port-forward (a `forwards:` bookmark of the config file) at launch; repeatable.
    #[arg(long = "forward", global = true, value_name = "NAME")]
    forwards: Vec<String>,
    /// Audit log of mutations (default: ~/.local/state/kockpit/audit.jsonl).
    #[arg(long, global = true, value_name = "FILE")]
    audit_log: Option<PathBuf>,
    /// `:logs` argument lists to open at start (`kockpit logs …`).
    #[arg(skip)]
    logs: Vec<Vec<String>>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Open the cockpit on simulated prod and stg clusters (the built-in simulator, in-process);
    /// a few seconds in, prod's incident plays (a node rolling update stalls on a
    /// PodDisruptionBudget, a worker goes NotReady, a rollout gets stuck).
    Demo {
        /// Keep the clusters calm: do not play the incident.
        #[arg(long)]
        calm: bool,
    },
    /// Open straight into log panes: `kockpit logs -l app=web -n default --context prod,stg`
    /// (one pane per context).
    Logs(LogsArgs),
    /// Print the audit log of mutations (JSON lines in the XDG state directory).
    Audit {
        /// Only entries newer than this: 30m, 2h, 1d, or an RFC 3339 time.
        #[arg(long)]
        since: Option<String>,
        /// Audit log file (default: ~/.local/state/kockpit/audit.jsonl).
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Print shell completions: `kockpit completion bash > /etc/bash_completion.d/kockpit`.
    Completion {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Serve simulated clusters (prod, stg) over HTTPS on 127.0.0.1 and write a kubeconfig for them.
    Sim {
        /// Scenario YAML file (default: the built-in prod + stg scenario).
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Synthetic clusters with this many nodes each (with --pods).
        #[arg(long, requires = "pods")]
        nodes: Option<usize>,
        /// Synthetic clusters with this many pods each (with --nodes).
        #[arg(long, requires = "nodes")]
        pods: Option<usize>,
        /// Port of the first cluster's API (the next clusters take the following ports); 0 picks free ports.
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Where to write the kubeconfig (default: a file in the temporary directory).
        #[arg(long)]
        kubeconfig_out: Option<PathBuf>,
        /// Play the scenario's `timeline:` (the default scenario's is the demo's incident).
        #[arg(long)]
        timeline: bool,
    },
}

#[derive(Args, Debug)]
struct LogsArgs {
    /// Follow every pod this label selector matches (pods that match later join).
    #[arg(short = 'l', long, conflicts_with = "pod")]
    selector: Option<String>,
    /// Follow this pod.
    #[arg(required_unless_present = "selector")]
    pod: Option<String>,
    /// Only this container.
    #[arg(short = 'c', long)]
    container: Option<String>,
    /// The previous (crashed) container's logs.
    #[arg(short = 'p', long)]
    previous: bool,
}

impl LogsArgs {
    /// The same request as `:logs` words.
    fn words(&self, cockpit: &CockpitArgs) -> Vec<String> {
        let mut w = Vec::new();
        if let Some(s) = &self.selector {
            w.extend(["-l".to_string(), s.clone()]);
        }
        w.extend(self.pod.clone());
        if let Some(n) = &cockpit.namespace {
            w.extend(["-n".to_string(), n.clone()]);
        }
        if !cockpit.context.is_empty() {
            w.extend(["--context".to_string(), cockpit.context.join(",")]);
        }
        if let Some(c) = &self.container {
            w.extend(["-c".to_string(), c.clone()]);
        }
        if self.previous {
            w.push("-p".into());
        }
        w
    }
}

fn main() -> std::process::ExitCode {
    // A sentence for the operator, not a backtrace (RUST_BACKTRACE may be set on bastions).
    match run_cli(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kockpit: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run_cli(cli: Cli) -> anyhow::Result<()> {
    if let Some(Command::Completion { shell }) = cli.command {
        clap_complete::generate(
            shell,
            &mut Cli::command(),
            "kockpit",
            &mut std::io::stdout(),
        );
        return Ok(());
    }
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    match cli.command {
        Some(Command::Sim {
            scenario,
            nodes,
            pods,
            port,
            kubeconfig_out,
            timeline,
        }) => {
            let scenario = scenario
                .map(|p| {
                    std::fs::read_to_string(&p)
                        .with_context(|| format!("reading scenario {}", p.display()))
                })
                .transpose()?;
            runtime.block_on(run_sim(SimOptions {
                scenario,
                synthetic: nodes.zip(pods),
                port,
                kubeconfig_out,
                timeline,
            }))
        }
        Some(Command::Audit { since, file }) => {
            let path = file
                .or(cli.cockpit.audit_log.clone())
                .or_else(audit::default_path)
                .context("no state directory for the audit log: pass --file")?;
            let since = since
                .map(|s| audit::parse_since(&s, jiff::Timestamp::now()))
                .transpose()
                .map_err(anyhow::Error::msg)?;
            let entries = audit::read(&path, since)
                .with_context(|| format!("reading the audit log {}", path.display()))?;
            if entries.is_empty() {
                eprintln!("no audit entries in {}", path.display());
            }
            print!("{}", audit::format(&entries));
            Ok(())
        }
        Some(Command::Demo { calm }) => runtime.block_on(async {
            let sim = Simulator::start(SimOptions {
                timeline: !calm,
                ..Default::default()
            })
            .await
            .context("starting the simulated clusters")?;
            let mut args = cli.cockpit.clone();
            args.kubeconfig = Some(sim.kubeconfig_path.clone());
            if args.context.is_empty() {
                args.context = vec!["prod".into(), "stg".into()];
            }
            let result = cockpit(args).await;
            drop(sim);
            result
        }),
        Some(Command::Logs(l)) => {
            let mut args = cli.cockpit.clone();
            args.logs = vec![l.words(&cli.cockpit)];
            runtime.block_on(cockpit(args))
        }
        Some(Command::Completion { .. }) => Ok(()),
        None => runtime.block_on(cockpit(cli.cockpit)),
    }
}

async fn cockpit(args: CockpitArgs) -> anyhow::Result<()> {
    let dir = config::config_dir();
    let (cfg, cfg_problem) = config::load(dir.as_deref());
    let loaded = kubeconfig::load(args.kubeconfig.as_deref(), &cfg.production_pattern)?;
    let wanted: Vec<String> = if args.context.is_empty() {
        vec![
            loaded
                .current
                .clone()
                .context("the kubeconfig has no current context: pass --context NAME")?,
        ]
    } else {
        args.context.clone()
    };
    let mut live = Vec::new();
    for name in &wanted {
        let info = loaded
            .contexts
            .iter()
            .find(|c| &c.name == name)
            .with_context(|| {
                format!(
                    "no context named {name} in the kubeconfig (have: {})",
                    loaded
                        .contexts
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
        live.push(info.clone());
    }
    let mut problems: Vec<String> = cfg_problem.into_iter().collect();
    let user_themes = dir.as_ref().map(|d| d.join("themes"));
    let user_keymaps = dir.as_ref().map(|d| d.join("keymaps"));
    let (theme, theme_problem) = if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        (theme::no_color(), None)
    } else {
        theme::load(
            args.theme.as_deref().or(cfg.theme.as_deref()),
            user_themes.as_deref(),
        )
    };
    let (keymap, keymap_problem) = keymap::load(
        args.keymap.as_deref().or(cfg.keymap.as_deref()),
        user_keymaps.as_deref(),
    );
    problems.extend(theme_problem.map(|e| e.to_string()));
    problems.extend(keymap_problem.map(|e| e.to_string()));
    let readonly = args.readonly;
    let known = loaded.contexts.iter().map(|c| c.name.clone()).collect();
    let namespaces = match (&args.namespace, args.all_namespaces) {
        (Some(n), false) => Namespaces::parse(n),
        _ => Namespaces::all(),
    };
    // One namespace restricts the watches themselves (an operator whose RBAC stops at it can
    // still list); several are watched cluster-wide and filtered in the tables.
    let namespace = namespaces.single().map(str::to_string);
    let mut state = State::new(live, known, namespaces, readonly, keymap);
    state.readonly_contexts = cfg.readonly_contexts.clone();
    state.shell_rules = cfg.shells.clone();
    for name in &args.forwards {
        anyhow::ensure!(
            cfg.forwards.iter().any(|b| &b.name == name),
            "no saved forward named {name} in the config file (have: {})",
            cfg.forwards
                .iter()
                .map(|b| b.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    state.forwards = ForwardsState::with_bookmarks(cfg.forwards.iter().map(|b| b.spec()).collect());
    state.forwards.to_launch = cfg
        .forwards
        .iter()
        .filter(|b| b.auto_start || args.forwards.contains(&b.name))
        .map(|b| b.name.clone())
        .collect();
    state.logs.cap = cfg.log_buffer_lines;
    state.events.cap = cfg.events_per_context.max(1);
    state.logs.startup = args.logs.clone();
    let audit_path = args.audit_log.clone().or_else(audit::default_path);
    run::run(state, theme, loaded, namespace, problems, audit_path).await
}

async fn run_sim(opts: SimOptions) -> anyhow::Result<()> {
    let sim = Simulator::start(opts).await?;
    for c in &sim.clusters {
        eprintln!("cluster {}: https://{}", c.cluster.name, c.addr);
    }
    println!("kubeconfig: {}", sim.kubeconfig_path.display());
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
        _ = hup.recv() => {}
    }
    drop(sim);
    Ok(())
}
