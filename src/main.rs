//! The `tug` binary: parses the CLI and hands over to the TUI or the sim. Only `main` may use `anyhow`.
//! A failure is a message on stderr and exit code 1, never a backtrace (whatever `RUST_BACKTRACE` says).

use anyhow::Context as _;
use clap::Parser;

use tug::cli::{Cli, Command, SimArgs};
use tug_sim::{self as sim, FaultSpec, SimOptions};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if cli.command.is_none() {
        // Before the runtime's threads exist: the TUI's RSS stays flat under churn (see the function).
        tug::diagnostics::limit_malloc_arenas();
    }
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
        .and_then(|runtime| match cli.command {
            Some(Command::Sim(args)) => runtime.block_on(run_sim(args)),
            None => runtime.block_on(run_tui(cli.tui)),
        });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // `{:#}`: the causes on one line, without the backtrace `{:?}` would add.
            eprintln!("tug: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run_sim(args: SimArgs) -> anyhow::Result<()> {
    let faults = FaultSpec::parse(&args.faults).context("bad --faults")?;
    let handle = sim::start(SimOptions {
        addr: args.addr,
        seed: args.seed,
        pods: args.pods,
        namespaces: args.namespaces,
        churn: args.churn,
        faults,
        kubeconfig_out: args.kubeconfig_out,
        metrics: args.metrics.is_on(),
        tls: None,
        state_dir: args.state_dir,
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
    if let Some(path) = tug::diagnostics::init_logging(args.log_file.as_deref())
        .context("cannot open the log file")?
    {
        tracing::info!(path = %path.display(), version = env!("CARGO_PKG_VERSION"), "tug starts");
    }
    tug::diagnostics::spawn_stats_writer(tokio::runtime::Handle::current());
    // $KUBECONFIG may be empty (unset) or a list of paths; the first that exists is used.
    let from_env = std::env::var_os("KUBECONFIG")
        .and_then(|v| std::env::split_paths(&v).find(|p| !p.as_os_str().is_empty() && p.exists()));
    let mut opts = tug::runtime::Options {
        kubeconfig: args.kubeconfig.clone().or(from_env),
        context: args.context.clone(),
        namespace: args.namespace.clone(),
        all_namespaces: args.all_namespaces,
        initial: args.initial.clone(),
        readonly: args.readonly,
        keymap: args.keymap.clone(),
        theme: args.theme.clone(),
    };
    // The demo cluster lives as long as the TUI, in this process.
    let _demo = if args.demo {
        let handle = sim::start(SimOptions {
            metrics: args.demo_metrics.is_on(),
            ..SimOptions::default()
        })
        .await
        .context("cannot start the demo cluster")?;
        opts.kubeconfig = Some(handle.kubeconfig.clone());
        opts.context = None;
        Some(handle)
    } else {
        let default =
            directories::BaseDirs::new().map(|d| d.home_dir().join(".kube").join("config"));
        let found = opts.kubeconfig.as_ref().is_some_and(|p| p.exists())
            || default.as_ref().is_some_and(|p| p.exists());
        if !found {
            anyhow::bail!(
                "no kubeconfig found (looked at $KUBECONFIG and ~/.kube/config).\n\
                 Point tug at a cluster with --kubeconfig PATH (and --context NAME), or try it with: tug --demo"
            );
        }
        None
    };
    tug::runtime::run(opts).await?;
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
