//! The reducer for [`AgentEvent`]s: streaming text, messages, tool calls,
//! retries, compaction, todos, notices and turn ends.
//!
//! Owns: what each event changes on screen. Finished things (messages,
//! tool calls with their results) are rendered once and moved to the
//! scrollback output; only in-flight state stays in memory. Must never:
//! answer approvals here (they come with their reply channel through
//! [`App::on_approval`]; `AgentEvent::ApprovalRequested` is informational).

use ratatui::style::Color;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use rudder_protocol::content::{ContentBlock, ToolResultContent};
use rudder_protocol::event::{AgentEvent, NoticeLevel, TurnOutcome, TurnStop};
use rudder_protocol::message::{AssistantMessage, Message};
use rudder_protocol::stream::{Delta, StreamEvent};

use super::{ActiveTool, App};
use crate::render::tool::{CallState, headline, result_lines};
use crate::render::{dim, prefix_lines, sanitize};
use crate::todo::parse_todos;

/// Text blocks the session adds for the model, not the person.
const REMINDER_PREFIX: &str = "<system-reminder>";

/// `/name args` from the header the session puts before an expanded
/// command (`<command-name>/name</command-name>` and, with arguments,
/// `<command-args>args</command-args>`); `None` for other text.
fn command_header(text: &str) -> Option<String> {
    let rest = text.trim_start().strip_prefix("<command-name>")?;
    let (name, rest) = rest.split_once("</command-name>")?;
    let args = rest
        .trim_start()
        .strip_prefix("<command-args>")
        .and_then(|rest| rest.split_once("</command-args>"))
        .map(|(args, _)| args.trim());
    Some(match args {
        Some(args) if !args.is_empty() => format!("{name} {args}"),
        _ => name.to_owned(),
    })
}

impl App {
    /// Applies one event from the agent.
    pub(crate) fn on_agent_event(&mut self, event: AgentEvent) {
        self.dirty = true;
        match event {
            AgentEvent::SessionReady(info) => {
                if self.info.is_none() {
                    self.commit(vec![Line::from(vec![
                        Span::styled("✻ ", Style::new().fg(Color::LightRed)),
                        Span::styled("rudder", crate::render::bold()),
                        Span::styled(format!(" · {} · {}", info.model, info.cwd), dim()),
                    ])]);
                }
                for name in &info.slash_commands {
                    if !self.commands.iter().any(|command| &command.name == name) {
                        self.commands.push(crate::complete::CommandInfo {
                            name: name.clone(),
                            description: String::new(),
                        });
                    }
                }
                self.status.model.clone_from(&info.model);
                self.status.permission_mode = info.permission_mode;
                self.info = Some(info);
                self.effects.push(super::Effect::StatusChanged);
            }
            AgentEvent::Stream {
                event,
                parent_tool_use_id: None,
            } => self.on_stream(event),
            AgentEvent::AssistantMessage {
                message,
                parent_tool_use_id: None,
                ..
            } => self.on_assistant(message),
            AgentEvent::UserMessage {
                message,
                parent_tool_use_id: None,
                ..
            } => self.on_user(&message),
            AgentEvent::ToolStarted {
                tool_use_id,
                name,
                input,
            } => match self.tools.iter_mut().find(|tool| tool.id == tool_use_id) {
                Some(tool) => {
                    tool.input = input;
                    tool.started = true;
                }
                None => self.tools.push(ActiveTool {
                    id: tool_use_id,
                    name,
                    input,
                    started: true,
                }),
            },
            AgentEvent::ApiRetry {
                attempt,
                max_retries,
                delay_ms,
                error,
                status,
            } => {
                if let Some(turn) = &mut self.turn {
                    let status = status.map(|code| format!(" {code}")).unwrap_or_default();
                    turn.retry = Some(format!(
                        "API error{status}: {} · retrying in {}s (attempt {attempt}/{max_retries})",
                        sanitize(&error),
                        delay_ms.div_ceil(1000)
                    ));
                }
            }
            AgentEvent::ModelFallback { from, to, reason } => {
                self.commit_notice(
                    &format!("Switched from {from} to {to}: {reason}"),
                    Color::Yellow,
                );
            }
            AgentEvent::CompactBoundary {
                trigger,
                pre_tokens,
            } => {
                self.commit_notice(
                    &format!(
                        "Conversation compacted ({trigger}, was {} tokens)",
                        crate::render::tokens(pre_tokens)
                    ),
                    Color::DarkGray,
                );
            }
            AgentEvent::CacheMiss(miss) => {
                let part = miss
                    .changed_part
                    .map(|part| format!(", changed: {part}"))
                    .unwrap_or_default();
                self.commit_notice(
                    &format!(
                        "Prompt cache miss: expected {} cached tokens, read {}{part}",
                        miss.expected_read_tokens, miss.actual_read_tokens
                    ),
                    Color::DarkGray,
                );
            }
            AgentEvent::TodosUpdated { todos } => self.todos = parse_todos(&todos),
            AgentEvent::Notice { level, message } => {
                let colour = match level {
                    NoticeLevel::Info => Color::DarkGray,
                    NoticeLevel::Warning => Color::Yellow,
                    NoticeLevel::Error => Color::Red,
                };
                self.commit_notice(&message, colour);
            }
            AgentEvent::TurnEnded(outcome) => self.on_turn_end(&outcome),
            // Subagent traffic, finished-tool timing and denials show
            // through the parent's tool results; hook runs through the
            // notices and results they cause.
            AgentEvent::Stream { .. }
            | AgentEvent::AssistantMessage { .. }
            | AgentEvent::UserMessage { .. }
            | AgentEvent::ToolFinished { .. }
            | AgentEvent::ApprovalRequested(_)
            | AgentEvent::PermissionDenied(_)
            | AgentEvent::HookStarted(_)
            | AgentEvent::HookFinished(_) => {}
        }
    }

    /// Output without a submit (a steered prompt the driver started as a
    /// new turn) still means a turn runs: show it, and queue prompts.
    fn ensure_turn(&mut self) {
        if self.turn.is_none() {
            self.turn = Some(super::Turn {
                started: std::time::Instant::now(),
                retry: None,
                thinking: false,
            });
        }
    }

    fn on_stream(&mut self, event: StreamEvent) {
        self.ensure_turn();
        if let Some(turn) = &mut self.turn {
            turn.retry = None;
        }
        match event {
            StreamEvent::MessageStart { .. } => {
                self.streamed_text = false;
                self.message_started = false;
            }
            StreamEvent::ContentBlockStart { content_block, .. } => {
                if let Some(turn) = &mut self.turn {
                    turn.thinking = matches!(content_block, ContentBlock::Thinking { .. });
                }
            }
            StreamEvent::ContentBlockDelta {
                delta: Delta::TextDelta { text },
                ..
            } => {
                self.streamed_text = true;
                self.stream.push(&text);
                if let Some(stable) = self.stream.take_stable() {
                    self.commit_assistant(&stable);
                }
            }
            StreamEvent::ContentBlockStop { .. } => {
                if let Some(turn) = &mut self.turn {
                    turn.thinking = false;
                }
                self.flush_stream();
            }
            _ => {}
        }
    }

    fn on_assistant(&mut self, message: AssistantMessage) {
        self.ensure_turn();
        self.flush_stream();
        if !self.streamed_text {
            for block in &message.content {
                if let ContentBlock::Text { text, .. } = block {
                    self.commit_assistant(text);
                }
            }
        }
        self.streamed_text = false;
        self.message_started = false;
        for (id, name, input) in message.to_message().tool_uses() {
            if !self.tools.iter().any(|tool| tool.id == id) {
                self.tools.push(ActiveTool {
                    id: id.to_owned(),
                    name: name.to_owned(),
                    input: input.clone(),
                    started: false,
                });
            }
        }
        if !message.model.is_empty() {
            self.status.model = message.model;
        }
        self.status.last_usage = Some(message.usage);
        self.effects.push(super::Effect::StatusChanged);
    }

    fn on_user(&mut self, message: &Message) {
        let mut prompt: Vec<String> = Vec::new();
        // The text block after a command header is its expansion, which
        // the person did not type: the header stands for both.
        let mut expansion_follows = false;
        let mentions_images = message.content.iter().any(|block| {
            block
                .as_text()
                .is_some_and(|text| text.contains("[Image #"))
        });
        for block in &message.content {
            match block {
                ContentBlock::ToolResult {
                    tool_use_id,
                    content,
                    is_error,
                    ..
                } => self.finish_tool(tool_use_id, content, *is_error),
                ContentBlock::Text { .. } if expansion_follows => expansion_follows = false,
                ContentBlock::Text { text, .. } => {
                    if let Some(typed) = command_header(text) {
                        prompt.push(typed);
                        expansion_follows = true;
                    } else if !text.trim_start().starts_with(REMINDER_PREFIX) {
                        prompt.push(text.clone());
                    }
                }
                // Shown by their `[Image #n]` in the text when it has one.
                ContentBlock::Image { .. } if !mentions_images => prompt.push("[Image]".to_owned()),
                _ => {}
            }
        }
        if !prompt.is_empty() {
            let text = sanitize(&prompt.join("\n"));
            let lines = text
                .lines()
                .map(|line| Line::from(line.to_owned()))
                .collect();
            self.commit(prefix_lines(
                lines,
                Span::styled("> ", dim()),
                Span::raw("  "),
            ));
        }
    }

    fn finish_tool(&mut self, id: &str, content: &ToolResultContent, is_error: bool) {
        let Some(index) = self.tools.iter().position(|tool| tool.id == id) else {
            return;
        };
        let tool = self.tools.remove(index);
        let state = if is_error {
            CallState::Failed
        } else {
            CallState::Done
        };
        let mut lines = vec![headline(
            &tool.name,
            &tool.input,
            self.cwd(),
            state,
            self.width,
        )];
        lines.extend(result_lines(
            &tool.name,
            &tool.input,
            &content.text(),
            is_error,
            self.cwd(),
            None,
        ));
        self.commit(lines);
    }

    fn on_turn_end(&mut self, outcome: &TurnOutcome) {
        self.flush_stream();
        for tool in std::mem::take(&mut self.tools) {
            let mut lines = vec![headline(
                &tool.name,
                &tool.input,
                self.cwd(),
                CallState::Failed,
                self.width,
            )];
            lines.push(Line::from(vec![
                Span::styled(crate::render::RESULT_GUTTER, dim()),
                Span::styled("Interrupted", Style::new().fg(Color::Red)),
            ]));
            self.commit(lines);
        }
        let stop = match &outcome.stop {
            TurnStop::Completed => None,
            TurnStop::Interrupted => Some(("Interrupted by user".to_owned(), Color::Red)),
            TurnStop::MaxTurns { limit } => Some((
                format!("Stopped: reached the turn limit ({limit})"),
                Color::Yellow,
            )),
            TurnStop::MaxBudget { limit_usd } => Some((
                format!("Stopped: reached the budget (${limit_usd:.2})"),
                Color::Yellow,
            )),
            TurnStop::ApiError { message, status } => {
                let status = status.map(|code| format!(" {code}")).unwrap_or_default();
                Some((format!("API error{status}: {message}"), Color::Red))
            }
            TurnStop::Refusal => Some(("The model declined to answer.".to_owned(), Color::Yellow)),
            TurnStop::MaxTokens => Some((
                "Stopped: the answer hit the output token limit.".to_owned(),
                Color::Yellow,
            )),
            TurnStop::Denied { message } | TurnStop::Failed { message } => {
                Some((message.clone(), Color::Red))
            }
        };
        if let Some((text, colour)) = stop {
            self.commit_notice(&text, colour);
        }
        self.turn = None;
        self.status.total_cost_usd = outcome.total_cost_usd;
        self.notify("rudder finished the turn");
        self.refresh_status();
        self.drain_queue();
    }
}
