//! The set of built-in tools offered to the model.

use std::sync::Arc;

use crate::tool::Tool;

/// Every built-in tool, one entry per module.
pub fn builtin_tools() -> Vec<Arc<dyn Tool>> {
    vec![]
}
