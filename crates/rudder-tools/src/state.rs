//! State shared by the tool calls of one session: which files were read,
//! the Bash working directory, background shells, the todo list and
//! WebFetch's page cache.
//!
//! One `SessionToolState` belongs to one session; it is dropped (and its
//! background shells killed) when the session ends.

use std::path::PathBuf;
use std::sync::Mutex;

use crate::read_tracker::ReadTracker;
use crate::shells::ShellRegistry;
use crate::todo::TodoItem;
use crate::web_fetch::cache::WebCache;

/// Per-session tool state.
pub struct SessionToolState {
    /// Files read in this session and their stamps (read-before-write rule).
    pub read_files: ReadTracker,
    /// Background shells started with `run_in_background`.
    pub shells: ShellRegistry,
    /// Bash working directory; persists between calls.
    pub bash_cwd: Mutex<PathBuf>,
    /// The todo list (TodoWrite replaces it whole).
    pub todos: Mutex<Vec<TodoItem>>,
    /// Pages WebFetch fetched in the last 15 minutes.
    pub web_cache: WebCache,
}

impl SessionToolState {
    /// Fresh state for a session rooted at `project_dir`.
    pub fn new(project_dir: PathBuf) -> Self {
        Self {
            read_files: ReadTracker::default(),
            shells: ShellRegistry::default(),
            bash_cwd: Mutex::new(project_dir),
            todos: Mutex::new(Vec::new()),
            web_cache: WebCache::default(),
        }
    }

    /// The current todo list.
    pub fn todos(&self) -> Vec<TodoItem> {
        self.todos
            .lock()
            .map(|todos| todos.clone())
            .unwrap_or_default()
    }
}
