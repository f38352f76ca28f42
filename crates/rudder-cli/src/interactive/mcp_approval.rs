//! Project (`.mcp.json`) servers waiting for the person's approval in an
//! interactive session, and what each answer of the TUI's dialog does
//! (CLAUDE-CODE-INTERFACE.md §6 "Project server approval"; issue 7).
//!
//! Only a trusted folder's servers are asked about (`mcp_setup` lists
//! them), after the trust question. An answer is saved to the project's
//! `.claude/settings.local.json` through rudder-config's locked, merging
//! writer, and an approved server starts in the running session through
//! [`McpManager::add_server`] — never before the answer. A declined one is
//! reported `disabled`. A save that fails still holds for this session
//! and is reported as a warning.

use std::sync::{Arc, Mutex, PoisonError};

use rudder_config::ConfigPaths;
use rudder_config::settings::{ProjectMcpChoice, save_project_mcp_choice};
use rudder_core::EventSink;
use rudder_mcp::McpManager;
use rudder_mcp::config::{Approval, ConfiguredServer};
use rudder_protocol::event::NoticeLevel;
use rudder_tui::{McpServerChoice, McpServerQuestion};
use serde_json::Value;

/// The servers still waiting for an answer, and where answers go.
pub struct ProjectServers {
    waiting: Mutex<Vec<ConfiguredServer>>,
    paths: ConfigPaths,
    manager: Option<Arc<McpManager>>,
}

impl ProjectServers {
    /// Takes the servers to ask about (see `McpPlan::awaiting_approval`),
    /// the folders (the answers go to `paths.project_root`'s
    /// `.claude/settings.local.json`) and the session's manager (`None`
    /// when no server is configured).
    pub fn new(
        waiting: Vec<ConfiguredServer>,
        paths: ConfigPaths,
        manager: Option<Arc<McpManager>>,
    ) -> Self {
        Self {
            waiting: Mutex::new(waiting),
            paths,
            manager,
        }
    }

    /// The dialog's questions: each waiting server's name and what it runs
    /// or reaches, as written in `.mcp.json` (`${VAR}` unexpanded).
    pub fn questions(&self) -> Vec<McpServerQuestion> {
        self.lock()
            .iter()
            .map(|server| McpServerQuestion {
                name: server.name.clone(),
                target: target(&server.raw),
            })
            .collect()
    }

    /// Carries out the answer about `server`: starts it (or, for
    /// [`McpServerChoice::UseAll`], every waiting server) or marks it
    /// disabled at once, then saves the answer in the background and
    /// reports the outcome on `events`. A server that is not waiting (asked
    /// twice, or unknown) is ignored. Must be called inside a tokio
    /// runtime; returns at once.
    pub fn choose(&self, server: &str, choice: McpServerChoice, events: &EventSink) {
        let chosen: Vec<ConfiguredServer> = {
            let mut waiting = self.lock();
            match choice {
                McpServerChoice::UseAll => std::mem::take(&mut *waiting),
                McpServerChoice::Use | McpServerChoice::Decline => {
                    let index = waiting.iter().position(|item| item.name == server);
                    index
                        .map(|index| waiting.remove(index))
                        .into_iter()
                        .collect()
                }
            }
        };
        if chosen.is_empty() {
            return;
        }
        let names: Vec<String> = chosen.iter().map(|item| item.name.clone()).collect();
        if let Some(manager) = &self.manager {
            for mut item in chosen {
                item.approval = match choice {
                    McpServerChoice::Decline => Approval::Rejected,
                    McpServerChoice::Use | McpServerChoice::UseAll => Approval::Approved,
                };
                manager.add_server(item);
            }
        }
        let saved = match choice {
            McpServerChoice::UseAll => ProjectMcpChoice::EnableAll,
            McpServerChoice::Use => ProjectMcpChoice::Enable(server.to_owned()),
            McpServerChoice::Decline => ProjectMcpChoice::Disable(server.to_owned()),
        };
        let paths = self.paths.clone();
        let events = events.clone();
        tokio::spawn(async move {
            let result =
                tokio::task::spawn_blocking(move || save_project_mcp_choice(&paths, &saved))
                    .await
                    .map_err(|error| error.to_string())
                    .and_then(|saved| saved.map_err(|error| error.to_string()));
            let (level, message) = outcome(choice, &names, result);
            events.notice(level, message);
        });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<ConfiguredServer>> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The notice reporting an answer about `names`, saved to the file in
/// `result` or not.
fn outcome(
    choice: McpServerChoice,
    names: &[String],
    result: Result<std::path::PathBuf, String>,
) -> (NoticeLevel, String) {
    let list = names.join(", ");
    let done = match choice {
        McpServerChoice::UseAll => {
            format!("Using all MCP servers of this project's .mcp.json; starting {list}")
        }
        McpServerChoice::Use => format!("Using the MCP server {list}; starting it"),
        McpServerChoice::Decline => format!("Continuing without the MCP server {list}"),
    };
    match result {
        Ok(file) => (
            NoticeLevel::Info,
            format!("{done} (saved in {}).", file.display()),
        ),
        Err(error) => (
            NoticeLevel::Warning,
            format!("{done} for this session; the choice could not be saved: {error}"),
        ),
    }
}

/// A server's command line (stdio) or URL (http, sse), as written.
fn target(raw: &Value) -> String {
    if let Some(url) = raw.get("url").and_then(Value::as_str) {
        return url.to_owned();
    }
    let mut words: Vec<String> = raw
        .get("command")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .into_iter()
        .collect();
    if let Some(args) = raw.get("args").and_then(Value::as_array) {
        words.extend(args.iter().map(|arg| match arg.as_str() {
            Some(text) if text.is_empty() || text.contains(char::is_whitespace) => {
                format!("'{text}'")
            }
            Some(text) => text.to_owned(),
            None => arg.to_string(),
        }));
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use rudder_mcp::config::Scope;
    use rudder_protocol::AgentEvent;
    use serde_json::json;

    use super::*;

    fn waiting(name: &str, raw: Value) -> ConfiguredServer {
        ConfiguredServer {
            name: name.to_owned(),
            scope: Scope::Project,
            origin: ".mcp.json".to_owned(),
            entry: Err("not used".to_owned()),
            approval: Approval::Pending("awaiting approval".to_owned()),
            raw,
        }
    }

    #[test]
    fn questions_show_the_command_or_url_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let servers = ProjectServers::new(
            vec![
                waiting(
                    "notes",
                    json!({"command": "python3", "args": ["srv.py", "--root", "${HOME}/my notes"]}),
                ),
                waiting(
                    "api",
                    json!({"type": "http", "url": "https://mcp.example.com/mcp"}),
                ),
            ],
            ConfigPaths::from_env(dir.path(), &|_| None),
            None,
        );
        let targets: Vec<String> = servers.questions().into_iter().map(|q| q.target).collect();
        assert_eq!(
            targets,
            [
                "python3 srv.py --root '${HOME}/my notes'",
                "https://mcp.example.com/mcp"
            ]
        );
    }

    async fn answer(choice: McpServerChoice) -> (Value, AgentEvent, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        let paths = ConfigPaths::from_env(dir.path(), &|_| None);
        let servers = ProjectServers::new(
            vec![
                waiting("db", json!({"command": "db-server"})),
                waiting("web", json!({"command": "web-server"})),
            ],
            paths.clone(),
            None,
        );
        let (events, mut received) = EventSink::channel();
        servers.choose("db", choice, &events);
        let event = received.recv().await.unwrap();
        let file = dir.path().join(".claude/settings.local.json");
        let saved = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let left = servers.questions().into_iter().map(|q| q.name).collect();
        (saved, event, left)
    }

    #[tokio::test]
    async fn each_answer_saves_its_settings_key() {
        let (saved, event, left) = answer(McpServerChoice::Use).await;
        assert_eq!(saved, json!({"enabledMcpjsonServers": ["db"]}));
        assert_eq!(left, ["web"]);
        let AgentEvent::Notice { level, message } = event else {
            panic!("{event:?}");
        };
        assert_eq!(level, NoticeLevel::Info);
        assert!(
            message.starts_with("Using the MCP server db; starting it"),
            "{message}"
        );

        let (saved, _, left) = answer(McpServerChoice::Decline).await;
        assert_eq!(saved, json!({"disabledMcpjsonServers": ["db"]}));
        assert_eq!(left, ["web"]);

        let (saved, _, left) = answer(McpServerChoice::UseAll).await;
        assert_eq!(saved, json!({"enableAllProjectMcpServers": true}));
        assert!(left.is_empty(), "{left:?}");
    }

    #[tokio::test]
    async fn a_save_that_fails_is_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".claude")).unwrap();
        std::fs::write(dir.path().join(".claude/settings.local.json"), "{ broken").unwrap();
        let servers = ProjectServers::new(
            vec![waiting("db", json!({"command": "db-server"}))],
            ConfigPaths::from_env(dir.path(), &|_| None),
            None,
        );
        let (events, mut received) = EventSink::channel();
        servers.choose("db", McpServerChoice::Use, &events);
        let AgentEvent::Notice { level, message } = received.recv().await.unwrap() else {
            panic!("not a notice");
        };
        assert_eq!(level, NoticeLevel::Warning);
        assert!(message.contains("could not be saved"), "{message}");
    }
}
