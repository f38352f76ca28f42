//! `rudder __sandbox-net-bridge <socket> <port> <command…>`: the first
//! process of a sandbox whose network is filtered
//! ([`rudder_policy::sandbox::BRIDGE_ARG`]). It listens on
//! `127.0.0.1:<port>` inside the sandbox's own network namespace (bwrap
//! brings its loopback up), relays every connection to the session
//! proxy's Unix socket, runs the command, and exits with the command's
//! status (128 + the signal's number when a signal ended it, as a shell
//! reports it). Claude Code's sandbox runtime does the same with `socat`.
//!
//! Bounded: at most [`MAX_CONNECTIONS`] relayed connections at once (more
//! are closed); nothing outlives the command — the bridge exits with it,
//! and bwrap's PID namespace ends whatever is left.

use std::ffi::OsString;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitCode};
use std::sync::Arc;

use tokio::net::{TcpListener, UnixStream};
use tokio::sync::Semaphore;

/// Relayed connections served at once.
const MAX_CONNECTIONS: usize = 256;

/// Runs the bridge with `args` (those after [`rudder_policy::sandbox::BRIDGE_ARG`]).
/// Returns the command's exit status; `2` for arguments that do not fit,
/// `127` when the command cannot start. If the port cannot be bound the
/// command still runs, without network, after a message on stderr.
pub fn run(args: &[OsString]) -> ExitCode {
    let (Some(socket), Some(port), Some(program)) = (args.first(), args.get(1), args.get(2)) else {
        eprintln!("rudder: usage: rudder __sandbox-net-bridge <socket> <port> <command…>");
        return ExitCode::from(2);
    };
    let Some(port) = port.to_str().and_then(|port| port.parse::<u16>().ok()) else {
        eprintln!("rudder: the sandbox network bridge needs a port, not {port:?}");
        return ExitCode::from(2);
    };
    match std::net::TcpListener::bind(("127.0.0.1", port)) {
        Ok(listener) => {
            let socket = std::path::PathBuf::from(socket);
            std::thread::spawn(move || relay(listener, socket));
        }
        Err(error) => eprintln!(
            "rudder: the sandbox's network bridge cannot listen on 127.0.0.1:{port} \
             ({error}); this command has no network"
        ),
    }
    let status = match Command::new(program).args(&args[3..]).status() {
        Ok(status) => status,
        Err(error) => {
            eprintln!("rudder: cannot start {program:?} in the sandbox: {error}");
            return ExitCode::from(127);
        }
    };
    let code = status
        .code()
        .or_else(|| status.signal().map(|signal| 128 + signal))
        .unwrap_or(1);
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// Accepts on `listener` and relays each connection to `socket`, on a
/// runtime of its own (this thread ends with the process).
fn relay(listener: std::net::TcpListener, socket: std::path::PathBuf) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("rudder: the sandbox's network bridge cannot start ({error})");
            return;
        }
    };
    runtime.block_on(async move {
        let listener = match listener
            .set_nonblocking(true)
            .and_then(|()| TcpListener::from_std(listener))
        {
            Ok(listener) => listener,
            Err(error) => {
                eprintln!("rudder: the sandbox's network bridge cannot listen ({error})");
                return;
            }
        };
        let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        let socket = Arc::new(socket);
        loop {
            let Ok((mut client, _)) = listener.accept().await else {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            };
            let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
                continue;
            };
            let socket = Arc::clone(&socket);
            tokio::spawn(async move {
                let _slot = slot;
                if let Ok(mut proxy) = UnixStream::connect(socket.as_path()).await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut proxy).await;
                }
            });
        }
    });
}
