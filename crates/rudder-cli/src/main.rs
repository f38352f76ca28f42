//! The `rudder` binary: parses arguments, builds a session from settings,
//! flags and environment, and hands it to the headless runner or the TUI.
//!
//! Without `-p` (and without stream-json input) the interactive TUI runs
//! (`interactive/`); otherwise the headless runner (`headless/`).
//!
//! `--version` is answered before anything else is set up (no runtime, no
//! file reads), so it costs a process start and nothing more. The hidden
//! first argument `__sandbox-net-bridge` runs the sandbox's network bridge
//! ([`sandbox_bridge`]) instead of rudder.

mod args;
mod config_command;
mod doctor;
mod exit;
mod headless;
mod interactive;
mod mcp_cmd;
mod mcp_setup;
mod sandbox_bridge;
mod setup;
mod trust_command;

use std::process::ExitCode;

use clap::Parser;

use args::{Args, Command};
use exit::Exit;

fn main() -> ExitCode {
    let raw: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if raw
        .first()
        .is_some_and(|first| first == rudder_policy::sandbox::BRIDGE_ARG)
    {
        return sandbox_bridge::run(&raw[1..]);
    }
    let args = Args::parse();
    if args.version {
        println!("{} (rudder)", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("rudder: cannot start the async runtime: {error}");
            return Exit::Failure.into();
        }
    };
    let exit = runtime.block_on(run(args));
    // A task blocked reading stdin (stream-json input after a signal) must
    // not hold the exit: everything that matters was awaited inside `run`.
    runtime.shutdown_background();
    exit.into()
}

/// `--debug [filter]`: diagnostic logs on stderr. The filter is a
/// `tracing` directive list (e.g. `rudder_model=trace`); `RUST_LOG` wins
/// when set.
fn init_debug_log(filter: Option<&str>) {
    let directives = std::env::var("RUST_LOG")
        .ok()
        .or_else(|| filter.filter(|text| !text.is_empty()).map(str::to_owned))
        .unwrap_or_else(|| {
            "rudder_model=debug,rudder_core=debug,rudder_tools=debug,rudder_policy=debug".to_owned()
        });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(directives))
        .with_writer(std::io::stderr)
        .try_init();
}

async fn run(args: Args) -> Exit {
    if let Some(filter) = &args.debug {
        init_debug_log(filter.as_deref());
    }
    // Orphans of tool processes come back to rudder, which reaps them by
    // process group; without it they would outlive their owner unseen.
    if let Err(error) = rudder_tools::become_child_subreaper() {
        eprintln!(
            "rudder: cannot become a child subreaper ({error}); orphaned tool processes are reaped by init instead"
        );
    }
    match &args.command {
        Some(Command::Config) => return config_command::run(&args),
        Some(Command::Trust { dir }) => return trust_command::run(dir.as_deref()),
        Some(Command::Doctor) => return doctor::run(&args).await,
        Some(Command::Mcp { command }) => return mcp_cmd::run(&args, command).await,
        None => {}
    }
    for flag in args.ignored_flags() {
        eprintln!(
            "rudder: {flag} is accepted for compatibility but not supported yet; ignoring it"
        );
    }
    if !args.is_headless() {
        return interactive::run(args).await;
    }
    let setup = match setup::Setup::from_args(&args).await {
        Ok(setup) => setup,
        Err(error) => {
            eprintln!("rudder: {error}");
            return error.exit();
        }
    };
    for notice in &setup.notices {
        eprintln!("rudder: {notice}");
    }
    headless::run(&args, setup).await
}
