//! Whether bypassPermissions may be entered.
//!
//! Contract (CLAUDE-CODE-INTERFACE.md §1.1 `--dangerously-skip-permissions`,
//! D26:permission-modes): bypass is refused when running as root (or under
//! sudo) outside a recognised sandbox, unless the user explicitly forces it
//! (Claude Code honours `IS_SANDBOX=1`). The decision is pure; the caller
//! gathers the facts ([`running_as_root`], its own sandbox detection, the
//! environment).

/// Whether bypassPermissions may be used. `is_root`: the effective user is
/// root; `in_sandbox`: rudder itself runs inside a container or VM sandbox
/// the caller recognised, or Bash calls run in [`crate::sandbox`];
/// `forced`: the user explicitly asked for it anyway (`IS_SANDBOX=1`).
///
/// Errors: a message for the user explaining the refusal and the way out.
pub fn bypass_allowed(is_root: bool, in_sandbox: bool, forced: bool) -> Result<(), String> {
    if !is_root || in_sandbox || forced {
        return Ok(());
    }
    Err(
        "bypassPermissions (--dangerously-skip-permissions) cannot be used as root outside a \
         sandbox: every command would run with full privileges and no prompt. Run as a normal \
         user, enable the bubblewrap sandbox, or set IS_SANDBOX=1 if this machine is itself a \
         disposable sandbox."
            .to_string(),
    )
}

/// Whether the effective user id is 0.
pub fn running_as_root() -> bool {
    nix::unistd::geteuid().is_root()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        // (is_root, in_sandbox, forced, allowed)
        let cases = [
            (false, false, false, true),
            (true, false, false, false),
            (true, true, false, true),
            (true, false, true, true),
            (false, true, true, true),
        ];
        for (root, sandbox, forced, allowed) in cases {
            assert_eq!(
                bypass_allowed(root, sandbox, forced).is_ok(),
                allowed,
                "{root} {sandbox} {forced}"
            );
        }
        assert!(
            bypass_allowed(true, false, false)
                .unwrap_err()
                .contains("IS_SANDBOX=1")
        );
    }
}
