//! `rudder-mock`: serves a scenario file on 127.0.0.1 until killed, for
//! demos and benchmarks (point rudder, or the real Claude Code, at it with
//! `ANTHROPIC_BASE_URL`).
//!
//! Prints `listening on http://127.0.0.1:PORT` on stdout once it accepts
//! connections; with `--log FILE` appends one JSON line per request.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use rudder_testkit::{MockServer, Scenario, ServerOptions};

/// Scripted Anthropic / OpenAI model server (rudder-testkit).
#[derive(Debug, Parser)]
#[command(name = "rudder-mock", version)]
struct Args {
    /// Scenario file (.json, .yaml or .yml).
    #[arg(long)]
    scenario: PathBuf,
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Append one JSON line per request (method, path, body, turn, usage).
    #[arg(long, value_name = "FILE.jsonl")]
    log: Option<PathBuf>,
    /// Keep no request bodies in memory (long benchmark runs).
    #[arg(long)]
    forget_bodies: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let scenario = Scenario::from_file(&args.scenario)?;
    let options = ServerOptions {
        port: args.port,
        log: args.log,
        forget_bodies: args.forget_bodies,
    };
    let server = MockServer::spawn_with(scenario, options)
        .with_context(|| format!("cannot start the server on port {}", args.port))?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on {}", server.base_url())?;
    stdout.flush()?;
    drop(stdout);
    server.wait().context("the server stopped")
}
