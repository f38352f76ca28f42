//! The network of sandboxed Bash commands when `sandbox.network.allowedDomains`
//! is set: a filtering HTTP proxy owned by the session, started on the
//! first sandboxed command that needs it and ended with the session.
//!
//! Contract: Claude Code's sandbox (CLAUDE-CODE-INTERFACE.md §4.2
//! `sandbox.network.allowedDomains`; its sandbox runtime on Linux keeps the
//! command in a network namespace of its own and lets it out only through
//! a proxy reached over a Unix socket). The matching is
//! [`rudder_policy::sandbox::domains`]; the mounts and the bridge argv are
//! [`rudder_policy::SandboxPlan::prefix`]; this module owns the running
//! proxy ([`proxy`]).
//!
//! Must never: let a command reach a host the filter refuses, or leave a
//! proxy task running after its session ends.

pub mod proxy;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use rudder_policy::ProxyRoute;
use rudder_policy::sandbox::domains::DomainFilter;

pub use proxy::{NetProxy, ProxyLimits};

/// The loopback port the bridge listens on inside each sandbox (the
/// namespace is the command's own, so no other program holds it).
pub const BRIDGE_PORT: u16 = 3128;

/// A session's filtered sandbox network: the filter, the bridge program,
/// and the proxy once started.
#[derive(Debug)]
pub struct SandboxNetwork {
    filter: Arc<DomainFilter>,
    bridge: PathBuf,
    proxy: Mutex<Option<NetProxy>>,
}

impl SandboxNetwork {
    /// A network that lets sandboxed commands reach what `filter` allows;
    /// `bridge` is the `rudder` binary (it runs inside the sandbox as the
    /// bridge, see [`rudder_policy::sandbox::BRIDGE_ARG`]). Starts nothing.
    pub fn new(filter: DomainFilter, bridge: PathBuf) -> Self {
        Self {
            filter: Arc::new(filter),
            bridge,
            proxy: Mutex::new(None),
        }
    }

    /// The route for one sandboxed command, starting the proxy on first
    /// use (it then serves every later command of the session).
    ///
    /// Errors: why the proxy could not start (no async runtime, the socket
    /// could not be made); the next call tries again.
    pub fn route(&self) -> Result<ProxyRoute, String> {
        let mut proxy = self.proxy.lock().unwrap_or_else(PoisonError::into_inner);
        let socket = match proxy.as_ref() {
            Some(running) => running.socket().to_owned(),
            None => {
                let started = NetProxy::start(Arc::clone(&self.filter), ProxyLimits::default())
                    .map_err(|error| {
                        format!("the sandbox's network proxy could not start: {error}")
                    })?;
                let socket = started.socket().to_owned();
                *proxy = Some(started);
                socket
            }
        };
        Ok(ProxyRoute {
            socket,
            bridge: self.bridge.clone(),
            port: BRIDGE_PORT,
        })
    }
}
