//! The `tug` binary: parses the CLI and hands over to the TUI or the sim. Only `main` may use `anyhow`.

use anyhow::Context as _;
use clap::Parser;

use tug::cli::{Cli, Command, SimArgs};
use tug::sim::{self, FaultSpec, SimOptions};

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    match cli.command {
        Some(Command::Sim(args)) => runtime.block_on(run_sim(args)),
        None => runtime.block_on(run_tui(cli.tui)),
    }
}

async fn run_sim(args: SimArgs) -> anyhow::Result<()> {
    let faults = FaultSpec::parse(&args.faults).context("bad --faults")?;
    let handle = sim::start(SimOptions {
        addr: args.addr,
        seed: args.seed,
        pods: args.pods,
        faults,
        kubeconfig_out: args.kubeconfig_out,
    })
    .await
    .context("cannot start the simulated cluster")?;
    println!("tug sim: serving the Kubernetes API on {}", handle.url());
    println!("kubeconfig: {}", handle.kubeconfig.display());
    println!(
        "try: KUBECONFIG={} kubectl get pods -A",
        handle.kubeconfig.display()
    );
    wait_for_stop_signal().await;
    handle.stop().await;
    Ok(())
}

async fn run_tui(args: tug::cli::TuiArgs) -> anyhow::Result<()> {
    if !args.demo {
        anyhow::bail!("the TUI is not built yet; run `tug sim` or `tug --demo`");
    }
    let handle = sim::start(SimOptions::default())
        .await
        .context("cannot start the demo cluster")?;
    println!("tug demo cluster on {}", handle.url());
    println!("kubeconfig: {}", handle.kubeconfig.display());
    wait_for_stop_signal().await;
    handle.stop().await;
    Ok(())
}

/// Ctrl-C, SIGTERM or SIGHUP.
async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
