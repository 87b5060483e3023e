//! The command line: `tug [flags]` runs the TUI, `tug sim [flags]` serves the simulated cluster.
//! Must not depend on the TUI or the sim internals beyond their option types.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "tug",
    version,
    about = "A fast, lean, safe terminal UI for Kubernetes",
    after_help = "Try it without a cluster: tug --demo"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub tui: TuiArgs,
}

#[derive(Debug, Args)]
pub struct TuiArgs {
    /// Run against tug's embedded simulated cluster instead of a real one.
    #[arg(long)]
    pub demo: bool,
    /// Whether the demo cluster serves the metrics API (`off`: as a cluster without metrics-server).
    #[arg(long, value_enum, default_value_t = Switch::On)]
    pub demo_metrics: Switch,
    /// Path to the kubeconfig file (default: the first existing path in $KUBECONFIG, then ~/.kube/config).
    #[arg(long)]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use.
    #[arg(long)]
    pub context: Option<String>,
    /// Namespace to start in.
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
    /// Start in all namespaces.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// Initial view: a kind, plural or short name (`po`, `deploy`, ...).
    #[arg(short = 'c', long = "command")]
    pub initial: Option<String>,
    /// Forbid every mutation (scale, edit, delete, exec, ...).
    #[arg(long)]
    pub readonly: bool,
    /// Theme name or file.
    #[arg(long)]
    pub theme: Option<String>,
    /// Keymap name or file.
    #[arg(long)]
    pub keymap: Option<String>,
    /// Write a log here (level from $TUG_LOG, default info); $TUG_LOG alone logs to the data dir's tug.log.
    #[arg(long)]
    pub log_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve a simulated Kubernetes API on loopback (for the demo, tests and benchmarks).
    Sim(SimArgs),
}

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Listen address (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub addr: SocketAddr,
    /// Extra load pods on top of the demo world (e.g. 10000 for benchmarks).
    #[arg(long, default_value_t = 0)]
    pub pods: usize,
    /// How many namespaces (`load-0`…) the load pods are spread over.
    #[arg(long, default_value_t = tug_sim::world::LOAD_NAMESPACES)]
    pub namespaces: usize,
    /// Changes per second to the load pods, like `100/s` (their restart counts go up).
    #[arg(long, default_value = "0", value_parser = tug_sim::churn::parse_rate)]
    pub churn: f64,
    /// Seed of the deterministic demo world (names, logs).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where to write the kubeconfig (default: a new file under the temp dir).
    #[arg(long)]
    pub kubeconfig_out: Option<PathBuf>,
    /// Faults to inject, e.g. `watch-drop=30s,gone=60s,error-rate=0.05,throttle-rate=0.05,slow=200ms`.
    #[arg(long, default_value = "")]
    pub faults: String,
    /// Serve `metrics.k8s.io` (`kubectl top`) as metrics-server would; `off` leaves the API absent.
    #[arg(long, value_enum, default_value_t = Switch::On)]
    pub metrics: Switch,
    /// Keep the CA, the address and every object in DIR: a restarted sim is the same cluster, and the
    /// kubeconfigs it wrote stay valid. Without it each start is a fresh world.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

/// An on/off option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Switch {
    On,
    Off,
}

impl Switch {
    pub fn is_on(self) -> bool {
        self == Self::On
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[test]
    fn metrics_switch_parses_for_the_sim_and_the_demo() {
        let cli = Cli::try_parse_from(["tug", "sim", "--metrics", "off"]).unwrap();
        let Some(Command::Sim(args)) = cli.command else {
            panic!("not the sim command");
        };
        assert!(!args.metrics.is_on());
        let cli = Cli::try_parse_from(["tug", "--demo", "--demo-metrics", "off"]).unwrap();
        assert!(!cli.tui.demo_metrics.is_on());
        let cli = Cli::try_parse_from(["tug", "--demo"]).unwrap();
        assert!(cli.tui.demo_metrics.is_on());
    }
}
