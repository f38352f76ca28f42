//! A scripted agent behind the real TUI, for end-to-end tests in a
//! terminal (`tests/tmux.rs`) and for trying the UI by hand:
//! `cargo run -p rudder-tui --example scripted -- <dir>`.
//!
//! Each prompt streams a short markdown answer and proposes an Edit of
//! `<dir>/calc.py` (`a - b` → `a + b`) that needs approval; allowing it
//! really edits the file. A prompt containing `slow` streams until
//! interrupted. The rewind picker offers one message, and a rewind answers
//! with a fixed text; `/memory` offers `<dir>/CLAUDE.md`; pasted images
//! are refused. No agent logic here beyond that script.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use rudder_protocol::content::ContentBlock;
use rudder_protocol::event::{AgentEvent, SessionInfo, TurnOutcome, TurnStop};
use rudder_protocol::message::{AssistantMessage, Message, Role};
use rudder_protocol::permission::{ApprovalDecision, ApprovalRequest, PermissionMode};
use rudder_protocol::stream::{Delta, StreamEvent};
use rudder_protocol::usage::Usage;
use rudder_tui::{
    ApprovalPrompt, CommandError, Driver, DriverCommand, ImageError, McpServerChoice, MemoryChoice,
    RewindChoice, StatusSnapshot, TuiOptions,
};
use serde_json::json;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

struct Scripted {
    dir: PathBuf,
    events: mpsc::UnboundedSender<AgentEvent>,
    approvals: mpsc::UnboundedSender<ApprovalPrompt>,
    mode: Mutex<PermissionMode>,
    turn: Mutex<Option<JoinHandle<()>>>,
}

fn ended(stop: TurnStop) -> AgentEvent {
    AgentEvent::TurnEnded(TurnOutcome {
        stop,
        result_text: String::new(),
        num_turns: 1,
        duration_ms: 1,
        duration_api_ms: 1,
        usage: Usage::default(),
        model_usage: Default::default(),
        total_cost_usd: 0.0123,
        permission_denials: Vec::new(),
        stop_reason: None,
    })
}

fn text(events: &mpsc::UnboundedSender<AgentEvent>, text: &str) {
    let _ = events.send(AgentEvent::Stream {
        event: StreamEvent::ContentBlockDelta {
            index: 0,
            delta: Delta::TextDelta { text: text.into() },
        },
        parent_tool_use_id: None,
    });
}

async fn script(
    dir: PathBuf,
    prompt: String,
    events: mpsc::UnboundedSender<AgentEvent>,
    approvals: mpsc::UnboundedSender<ApprovalPrompt>,
) {
    let _ = events.send(AgentEvent::UserMessage {
        uuid: String::new(),
        message: Message::user_text(prompt.clone()),
        tool_use_result: None,
        parent_tool_use_id: None,
    });
    if prompt.contains("slow") {
        for n in 0.. {
            text(&events, &format!("still working {n}\n\n"));
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    for chunk in [
        "## Fix\n\nThe `add` function ",
        "subtracts. I will **fix** it.\n\n",
    ] {
        text(&events, chunk);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = events.send(AgentEvent::Stream {
        event: StreamEvent::ContentBlockStop { index: 0 },
        parent_tool_use_id: None,
    });
    let path = dir.join("calc.py");
    let input =
        json!({"file_path": path, "old_string": "return a - b", "new_string": "return a + b"});
    let _ = events.send(AgentEvent::AssistantMessage {
        uuid: String::new(),
        message: AssistantMessage {
            id: "msg_1".into(),
            kind: "message".into(),
            role: Role::Assistant,
            model: "scripted".into(),
            content: vec![ContentBlock::ToolUse {
                id: "toolu_1".into(),
                name: "Edit".into(),
                input: input.clone(),
                cache_control: None,
            }],
            stop_reason: None,
            stop_sequence: None,
            usage: Usage::default(),
        },
        parent_tool_use_id: None,
    });
    let (reply, answer) = oneshot::channel();
    let request = ApprovalRequest {
        tool_use_id: "toolu_1".into(),
        tool_name: "Edit".into(),
        input: input.clone(),
        reason: "Edits need approval in default mode".into(),
        suggestions: Vec::new(),
        blocked_path: None,
    };
    let _ = approvals.send((request, reply));
    let (result, is_error) = match answer.await {
        Ok(ApprovalDecision::Allow { .. }) => {
            let old = std::fs::read_to_string(&path).unwrap_or_default();
            let written = std::fs::write(&path, old.replace("return a - b", "return a + b"));
            (format!("{written:?}"), written.is_err())
        }
        other => (format!("denied: {other:?}"), true),
    };
    let _ = events.send(AgentEvent::UserMessage {
        uuid: String::new(),
        message: Message::new(
            Role::User,
            vec![ContentBlock::tool_result("toolu_1", result, is_error)],
        ),
        tool_use_result: None,
        parent_tool_use_id: None,
    });
    let _ = events.send(ended(TurnStop::Completed));
}

impl Driver for Scripted {
    fn submit(&self, prompt: Vec<ContentBlock>) {
        let prompt: String = prompt.iter().filter_map(ContentBlock::as_text).collect();
        let task = tokio::spawn(script(
            self.dir.clone(),
            prompt,
            self.events.clone(),
            self.approvals.clone(),
        ));
        if let Ok(mut turn) = self.turn.lock() {
            *turn = Some(task);
        }
    }

    fn steer(&self, _prompt: Vec<ContentBlock>) {}

    fn interrupt(&self) {
        if let Some(task) = self.turn.lock().ok().and_then(|mut turn| turn.take()) {
            task.abort();
            let _ = self.events.send(ended(TurnStop::Interrupted));
        }
    }

    fn set_permission_mode(&self, mode: PermissionMode) -> Result<(), String> {
        if let Ok(mut current) = self.mode.lock() {
            *current = mode;
        }
        Ok(())
    }

    fn command<'a>(
        &'a self,
        command: DriverCommand,
    ) -> BoxFuture<'a, Result<String, CommandError>> {
        Box::pin(async move {
            match command {
                DriverCommand::Rewind { .. } => Ok("Rewound to the last checkpoint.".to_owned()),
                _ => Err(CommandError::Unsupported),
            }
        })
    }

    fn rewind_points<'a>(&'a self) -> BoxFuture<'a, Result<Vec<RewindChoice>, CommandError>> {
        Box::pin(async move {
            Ok(vec![RewindChoice {
                id: "first".into(),
                preview: "fix the bug".into(),
                code: true,
                files: vec!["calc.py".into()],
            }])
        })
    }

    fn memory_files(&self) -> Vec<MemoryChoice> {
        vec![MemoryChoice {
            label: "Project memory".into(),
            path: self.dir.join("CLAUDE.md"),
            exists: self.dir.join("CLAUDE.md").exists(),
        }]
    }

    fn load_image<'a>(&'a self, path: PathBuf) -> BoxFuture<'a, Result<ContentBlock, ImageError>> {
        Box::pin(async move {
            Err(ImageError::Refused(format!(
                "{}: images are not scripted",
                path.display()
            )))
        })
    }

    fn image_from_clipboard(&self, bytes: Vec<u8>) -> Result<ContentBlock, ImageError> {
        Err(ImageError::Refused(format!(
            "a clipboard image of {} bytes: images are not scripted",
            bytes.len()
        )))
    }

    fn choose_mcp_server(&self, _server: &str, _choice: McpServerChoice) {
        // The script offers no MCP servers, so the dialog never opens.
    }

    fn status(&self) -> StatusSnapshot {
        StatusSnapshot {
            model: "scripted".into(),
            context_window: 200_000,
            cwd: self.dir.display().to_string(),
            permission_mode: self.mode.lock().map(|mode| *mode).unwrap_or_default(),
            ..StatusSnapshot::default()
        }
    }
}

#[tokio::main]
async fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    let (events, event_rx) = mpsc::unbounded_channel();
    let (approvals, approval_rx) = mpsc::unbounded_channel();
    let _ = events.send(AgentEvent::SessionReady(SessionInfo {
        session_id: "scripted".into(),
        cwd: dir.display().to_string(),
        model: "scripted".into(),
        tools: Vec::new(),
        permission_mode: PermissionMode::Default,
        mcp_servers: Vec::new(),
        slash_commands: Vec::new(),
        agents: Vec::new(),
        skills: Vec::new(),
        api_key_source: "none".into(),
        output_style: "default".into(),
        transcript_path: String::new(),
    }));
    let driver = Arc::new(Scripted {
        dir: dir.clone(),
        events: events.clone(),
        approvals,
        mode: Mutex::new(PermissionMode::Default),
        turn: Mutex::new(None),
    });
    let options = TuiOptions {
        project_dir: dir.clone(),
        history_path: Some(dir.join("history.jsonl")),
        ..TuiOptions::default()
    };
    let result = rudder_tui::run(driver, event_rx, approval_rx, options).await;
    println!("scripted exited: {result:?}");
}
