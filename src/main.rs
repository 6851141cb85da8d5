//! The kockpit binary: the cockpit (to come) and the Kubernetes API simulator.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use kockpit::sim::{SimOptions, Simulator};

#[derive(Parser, Debug)]
#[command(
    name = "kockpit",
    version,
    about = "A terminal cockpit for Kubernetes clusters"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
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
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    match cli.command {
        Some(Command::Sim {
            scenario,
            nodes,
            pods,
            port,
            kubeconfig_out,
        }) => {
            let scenario = scenario
                .map(|p| {
                    std::fs::read_to_string(&p)
                        .with_context(|| format!("reading scenario {}", p.display()))
                })
                .transpose()?;
            let synthetic = nodes.zip(pods);
            runtime.block_on(run_sim(SimOptions {
                scenario,
                synthetic,
                port,
                kubeconfig_out,
            }))
        }
        None => {
            eprintln!("kockpit: the cockpit is not built yet; run `kockpit sim` for the simulator");
            std::process::exit(2);
        }
    }
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
