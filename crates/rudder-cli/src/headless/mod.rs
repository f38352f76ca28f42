//! Headless runs: `-p` with a text prompt, and `--input-format stream-json`
//! (the Agent SDK's mode).
//!
//! Headless never waits on a human: an `ask` goes to the permission-prompt
//! tool when one is configured, else it is denied with a reason and the run
//! ends as an error (USER-PAINS.md §6.7).

pub mod control;
pub mod output;
pub mod printer;
pub mod records;
mod rewind_files;
pub mod session_commands;
mod stream_mode;

use std::io::{IsTerminal, Read};
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use rudder_core::permissions::Approver;
use rudder_core::{EventSink, Session, SessionDeps};
use rudder_protocol::event::TurnOutcome;
use rudder_protocol::{AgentEvent, ContentBlock};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::args::{Args, InputFormat, OutputFormat};
use crate::exit::Exit;
use crate::setup::{Setup, Start};
use control::{HeadlessDeny, PendingRequests, StdioApprover};
use output::Stdout;
use printer::Printer;
use records::RecordOptions;

/// Runs a headless session to its end and returns the process exit status.
pub async fn run(args: &Args, setup: Setup) -> Exit {
    if args.output_format == OutputFormat::StreamJson && !args.verbose {
        eprintln!("Error: When using --print, --output-format=stream-json requires --verbose");
        return Exit::Usage;
    }
    if args.input_format == InputFormat::StreamJson
        && args.output_format != OutputFormat::StreamJson
    {
        eprintln!("Error: --input-format=stream-json requires --output-format=stream-json");
        return Exit::Usage;
    }
    let (stdout, writer) = Stdout::start();
    let pending = Arc::new(PendingRequests::default());
    let unanswered = Arc::new(AtomicUsize::new(0));
    let approver: Arc<dyn Approver> = match args.permission_prompt_tool.as_deref() {
        Some("stdio") => Arc::new(StdioApprover {
            out: stdout.clone(),
            pending: Arc::clone(&pending),
        }),
        Some(other) => {
            eprintln!(
                "rudder: --permission-prompt-tool {other}: MCP permission tools are not supported yet; \
                 calls that need approval will be denied"
            );
            Arc::new(HeadlessDeny {
                count: Arc::clone(&unanswered),
            })
        }
        None => Arc::new(HeadlessDeny {
            count: Arc::clone(&unanswered),
        }),
    };
    let (events, receiver) = EventSink::channel();
    let session_id = setup.config.session_id.clone();
    let gate = Arc::clone(&setup.gate);
    let deps = SessionDeps {
        client: setup.client,
        tools: setup.tools,
        gate: setup.gate,
        approver,
        events,
        hooks: setup.hooks,
    };
    let printer = Printer::new(
        args.output_format,
        RecordOptions {
            include_partial_messages: args.include_partial_messages,
            replay_user_messages: args.replay_user_messages,
            include_hook_events: args.include_hook_events,
        },
        stdout.clone(),
        session_id,
        Arc::clone(&unanswered),
    );
    let printing = tokio::spawn(print_events(printer, receiver));
    let started = match setup.start {
        Start::New => Session::start(setup.config, deps).await,
        Start::Resume { path, fork } => Session::resume(setup.config, deps, &path, fork).await,
    };
    let session = match started {
        Ok(session) => session,
        Err(error) => {
            eprintln!("rudder: {error}");
            return Exit::Failure;
        }
    };
    let exit = match args.input_format {
        InputFormat::StreamJson => stream_mode::run(session, gate, stdout.clone(), pending).await,
        InputFormat::Text => run_one_prompt(args, session).await,
    };
    let _ = printing.await;
    drop(stdout);
    let _ = writer.await;
    match exit {
        Exit::Success if unanswered.load(std::sync::atomic::Ordering::SeqCst) > 0 => {
            Exit::PermissionNeeded
        }
        other => other,
    }
}

async fn print_events(mut printer: Printer, mut receiver: mpsc::UnboundedReceiver<AgentEvent>) {
    while let Some(event) = receiver.recv().await {
        if is_prompt(&event) && !printer.in_turn() {
            printer.turn_started();
        }
        printer.handle(&event);
    }
    printer.close();
}

fn is_prompt(event: &AgentEvent) -> bool {
    match event {
        AgentEvent::UserMessage { message, .. } => !message
            .content
            .iter()
            .any(|block| matches!(block, ContentBlock::ToolResult { .. })),
        _ => false,
    }
}

/// `-p` with a text prompt: the argument, then piped stdin.
async fn run_one_prompt(args: &Args, mut session: Session) -> Exit {
    let mut prompt = args.prompt.clone().unwrap_or_default();
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut piped = String::new();
        if stdin.lock().read_to_string(&mut piped).is_ok() && !piped.trim().is_empty() {
            if !prompt.is_empty() {
                prompt.push_str("\n\n");
            }
            prompt.push_str(&piped);
        }
    }
    if prompt.trim().is_empty() {
        eprintln!(
            "Error: Input must be provided either through stdin or as a prompt argument when using --print"
        );
        return Exit::Usage;
    }
    let cancel = CancellationToken::new();
    let interrupt = interrupt_on_ctrl_c(cancel.clone());
    let outcome = match session_commands::compact_command(&prompt) {
        Some(instructions) => session.run_compact_turn(instructions.as_deref()).await,
        None => {
            session
                .run_turn(vec![ContentBlock::text(prompt)], &cancel)
                .await
        }
    };
    interrupt.abort();
    session.shutdown().await;
    exit_for(&outcome)
}

/// Cancels `cancel` on the first Ctrl-C.
pub fn interrupt_on_ctrl_c(cancel: CancellationToken) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            cancel.cancel();
        }
    })
}

/// The exit status for a turn's outcome.
pub fn exit_for(outcome: &TurnOutcome) -> Exit {
    if outcome.stop.is_success() {
        Exit::Success
    } else {
        Exit::Failure
    }
}
