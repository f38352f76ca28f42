//! Headless runs: `-p` with a text prompt, and `--input-format stream-json`
//! (the Agent SDK's mode).
//!
//! Headless never waits on a human: an `ask` goes to the permission-prompt
//! tool when one is configured, else it is denied with a reason and the run
//! ends as an error (USER-PAINS.md §6.7).

pub mod control;
pub(crate) mod ending;
mod mcp_control;
pub mod output;
pub mod printer;
mod prompt_tool;
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

use crate::args::{Args, InputFormat, OutputFormat};
use crate::exit::Exit;
use crate::setup::{Setup, Start};
use control::{HeadlessDeny, PendingRequests, StdioApprover};
use ending::Ending;
use mcp_control::McpControl;
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
    let ending = Ending::install();
    let (stdout, writer) = Stdout::start();
    let pending = Arc::new(PendingRequests::default());
    let unanswered = Arc::new(AtomicUsize::new(0));
    let configured = setup.mcp.servers.clone();
    let mcp = match setup.mcp.start(Arc::clone(&setup.gate)) {
        Ok(mcp) => mcp,
        Err(error) => {
            eprintln!("rudder: cannot start MCP servers: {error}");
            return Exit::Failure;
        }
    };
    let approver = match approver(
        args.permission_prompt_tool.as_deref(),
        &stdout,
        &pending,
        &unanswered,
        mcp.as_ref(),
    ) {
        Ok(approver) => approver,
        Err(message) => {
            eprintln!("rudder: {message}");
            if let Some(mcp) = &mcp {
                mcp.shutdown().await;
            }
            return Exit::Usage;
        }
    };
    let mcp_control = mcp.clone().map(|mcp| McpControl {
        mcp,
        servers: configured,
    });
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
        mcp: mcp.clone(),
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
    let initialize = control::initialize_response(&setup.config, &setup.output_styles);
    let printing = tokio::spawn(print_events(printer, receiver));
    let started = match setup.start {
        Start::New => Session::start(setup.config, deps).await,
        Start::Resume { path, fork } => Session::resume(setup.config, deps, &path, fork).await,
    };
    let session = match started {
        Ok(session) => session,
        Err(error) => {
            eprintln!("rudder: {error}");
            if let Some(mcp) = &mcp {
                mcp.shutdown().await;
            }
            return Exit::Failure;
        }
    };
    let exit = match args.input_format {
        InputFormat::StreamJson => {
            let io = stream_mode::StreamIo {
                out: stdout.clone(),
                pending,
                mcp: mcp_control,
                initialize,
            };
            stream_mode::run(session, gate, io, &ending).await
        }
        InputFormat::Text => run_one_prompt(args, session, &ending).await,
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

/// Who answers permission prompts: the SDK (`stdio`), an MCP tool, or
/// nobody (deny with a reason). Errors: an MCP tool name of no configured
/// server.
fn approver(
    prompt_tool: Option<&str>,
    stdout: &Stdout,
    pending: &Arc<PendingRequests>,
    unanswered: &Arc<AtomicUsize>,
    mcp: Option<&rudder_core::mcp::McpSession>,
) -> Result<Arc<dyn Approver>, String> {
    match prompt_tool {
        Some("stdio") => Ok(Arc::new(StdioApprover {
            out: stdout.clone(),
            pending: Arc::clone(pending),
        })),
        Some(tool) => match mcp {
            Some(mcp) if tool.starts_with("mcp__") && mcp.has_server_for(tool) => {
                Ok(Arc::new(prompt_tool::McpPromptTool {
                    mcp: mcp.clone(),
                    tool: tool.to_owned(),
                }))
            }
            _ => Err(format!(
                "--permission-prompt-tool {tool}: expected `stdio` or mcp__<server>__<tool> of a \
                 configured MCP server (see --mcp-config)"
            )),
        },
        None => Ok(Arc::new(HeadlessDeny {
            count: Arc::clone(unanswered),
        })),
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

/// A prompt of the main conversation (not tool results, not a subagent's
/// first message): the start of a turn.
fn is_prompt(event: &AgentEvent) -> bool {
    match event {
        AgentEvent::UserMessage {
            message,
            parent_tool_use_id: None,
            ..
        } => !message
            .content
            .iter()
            .any(|block| matches!(block, ContentBlock::ToolResult { .. })),
        _ => false,
    }
}

/// `-p` with a text prompt: the argument, then piped stdin. A signal ends
/// the turn (see [`Ending`]); the session is shut down either way.
async fn run_one_prompt(args: &Args, mut session: Session, ending: &Ending) -> Exit {
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
        session.shutdown().await;
        return Exit::Usage;
    }
    let cancel = ending.turn_token();
    let turn = session.submit(vec![ContentBlock::text(prompt)], &cancel);
    let outcome = ending.bounded(turn).await;
    session.shutdown().await;
    match outcome {
        Some(outcome) => exit_for(&outcome),
        None => Exit::Failure,
    }
}

/// The exit status for a turn's outcome.
pub fn exit_for(outcome: &TurnOutcome) -> Exit {
    if outcome.stop.is_success() {
        Exit::Success
    } else {
        Exit::Failure
    }
}
