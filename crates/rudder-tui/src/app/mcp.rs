//! The project MCP server dialog: at start-up, each `.mcp.json` server that
//! no setting approves or rejects is put to the person, one at a time,
//! with Claude Code's three options (CLAUDE-CODE-INTERFACE.md §6 "Project
//! server approval").
//!
//! Owns: the queue of questions, the highlighted option, the keys while
//! the dialog is open, and holding back the initial prompt until the last
//! answer. Must never: save the answer or start a server itself (the
//! driver does, see [`crate::Driver::choose_mcp_server`]).

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, Effect};
use crate::driver::McpServerChoice;
use crate::options::McpServerQuestion;

/// The options in the order shown, with Claude Code's labels.
pub(crate) const MCP_CHOICES: [(McpServerChoice, &str); 3] = [
    (
        McpServerChoice::UseAll,
        "Use this and all future MCP servers in this project",
    ),
    (McpServerChoice::Use, "Use this MCP server"),
    (
        McpServerChoice::Decline,
        "Continue without using this MCP server",
    ),
];

impl App {
    /// The server being asked about, if the dialog is open.
    pub(crate) fn mcp_question(&self) -> Option<&McpServerQuestion> {
        self.mcp_questions.front()
    }

    /// Keys while the dialog is open: Up/Down (or Tab) move, Enter or a
    /// digit answers, Esc continues without the server (as Claude Code's
    /// dialog does on cancel); Ctrl+C and Ctrl+D keep their meaning.
    pub(super) fn mcp_key(&mut self, key: KeyEvent, now: Instant) {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let last = MCP_CHOICES.len() - 1;
        match key.code {
            KeyCode::Char('c') if ctrl => self.ctrl_c(now),
            KeyCode::Char('d') if ctrl => self.effects.push(Effect::Exit),
            KeyCode::Up | KeyCode::BackTab => {
                self.mcp_selected = self.mcp_selected.checked_sub(1).unwrap_or(last);
            }
            KeyCode::Down | KeyCode::Tab => {
                self.mcp_selected = if self.mcp_selected >= last {
                    0
                } else {
                    self.mcp_selected + 1
                };
            }
            KeyCode::Enter => self.answer_mcp(MCP_CHOICES[self.mcp_selected.min(last)].0),
            KeyCode::Char(digit @ '1'..='3') => {
                self.answer_mcp(MCP_CHOICES[usize::from(digit as u8 - b'1')].0);
            }
            KeyCode::Esc => self.answer_mcp(McpServerChoice::Decline),
            _ => {}
        }
    }

    /// Hands the answer about the first server to the driver; "all future
    /// servers" answers the rest too. After the last answer the initial
    /// prompt, if any, is sent.
    fn answer_mcp(&mut self, choice: McpServerChoice) {
        let Some(question) = self.mcp_questions.pop_front() else {
            return;
        };
        self.driver.choose_mcp_server(&question.name, choice);
        if choice == McpServerChoice::UseAll {
            self.mcp_questions.clear();
        }
        self.mcp_selected = 0;
        if self.mcp_questions.is_empty() {
            self.send_initial_prompt();
        }
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::KeyCode;

    use super::*;
    use crate::options::TuiOptions;
    use crate::testing::{Call, app_with, key};

    fn question(name: &str) -> McpServerQuestion {
        McpServerQuestion {
            name: name.to_owned(),
            target: format!("python3 {name}.py"),
        }
    }

    fn app(names: &[&str]) -> (App, std::sync::Arc<crate::testing::FakeDriver>) {
        let (mut app, driver) = app_with(TuiOptions {
            mcp_servers_to_approve: names.iter().map(|name| question(name)).collect(),
            initial_prompt: Some("hello".to_owned()),
            ..TuiOptions::default()
        });
        app.start();
        (app, driver)
    }

    fn press(app: &mut App, code: KeyCode) {
        app.on_key(key(code), Instant::now());
    }

    #[test]
    fn each_server_is_asked_in_turn_and_the_prompt_waits_for_the_answers() {
        let (mut app, driver) = app(&["db", "web"]);
        assert!(
            driver.take().is_empty(),
            "nothing is sent before the answers"
        );
        press(&mut app, KeyCode::Char('x'));
        assert!(app.editor.is_empty(), "the dialog takes the keys");

        press(&mut app, KeyCode::Down);
        press(&mut app, KeyCode::Enter);
        assert_eq!(
            driver.take(),
            vec![Call::McpServer("db".into(), McpServerChoice::Use)]
        );
        assert_eq!(app.mcp_question().map(|q| q.name.as_str()), Some("web"));

        press(&mut app, KeyCode::Esc);
        assert_eq!(
            driver.take(),
            vec![
                Call::McpServer("web".into(), McpServerChoice::Decline),
                Call::Submit("hello".into()),
            ]
        );
        assert!(app.mcp_question().is_none());
    }

    #[test]
    fn all_future_servers_answers_the_rest_and_digits_pick_options() {
        let (mut app, driver) = app(&["a", "b", "c"]);
        press(&mut app, KeyCode::Char('3'));
        press(&mut app, KeyCode::Char('1'));
        assert_eq!(
            driver.take(),
            vec![
                Call::McpServer("a".into(), McpServerChoice::Decline),
                Call::McpServer("b".into(), McpServerChoice::UseAll),
                Call::Submit("hello".into()),
            ]
        );
        assert!(app.mcp_question().is_none());
        press(&mut app, KeyCode::Char('x'));
        assert_eq!(app.editor.text(), "x", "the prompt has the keys again");
    }
}
