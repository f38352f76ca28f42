//! The filtering HTTP proxy sandboxed commands reach the network through.
//!
//! It listens on a Unix socket in a private directory (mode 0700) and
//! speaks HTTP/1.1 as a forward proxy (RFC 9110 §9.3.6 and RFC 9112 §3.2.2):
//! `CONNECT host:port` opens a tunnel (https and anything else over TLS),
//! an absolute-form request (`GET http://host/path`) is forwarded. Each is
//! allowed only when the [`DomainFilter`] allows its host and port; a
//! refused one gets `403` with a body saying what was asked and what is
//! allowed (and `X-Proxy-Error: blocked-by-allowlist`, as Claude Code's
//! sandbox runtime answers). The proxy resolves and connects from outside
//! the sandbox, to the host the filter returns.
//!
//! Bounded: at most [`ProxyLimits::max_connections`] client connections
//! (tunnels included) at once, a time limit on request headers and on
//! connecting upstream, and every task ends when the [`NetProxy`] is
//! dropped (the session's end).

use std::convert::Infallible;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use rudder_policy::sandbox::domains::{DomainFilter, Refusal, Target};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpStream, UnixListener, UnixStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

/// The proxy's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyLimits {
    /// Client connections served at once; more are answered `503`.
    pub max_connections: usize,
    /// Time a client has to send its request headers.
    pub header_timeout: Duration,
    /// Time to resolve and connect to the upstream host.
    pub connect_timeout: Duration,
}

impl Default for ProxyLimits {
    fn default() -> Self {
        Self {
            max_connections: 256,
            header_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(30),
        }
    }
}

/// A running proxy. Dropping it stops the listener and every connection.
#[derive(Debug)]
pub struct NetProxy {
    socket: PathBuf,
    stop: CancellationToken,
    /// Holds the socket's private directory; removed on drop.
    _dir: tempfile::TempDir,
}

impl NetProxy {
    /// Starts a proxy for `filter` on a fresh Unix socket. Must be called
    /// inside a tokio runtime (the session's); its tasks run there.
    ///
    /// Errors: no tokio runtime, or the directory or socket could not be
    /// made.
    pub fn start(filter: Arc<DomainFilter>, limits: ProxyLimits) -> io::Result<Self> {
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|error| io::Error::other(format!("no async runtime: {error}")))?;
        let dir = tempfile::Builder::new().prefix("rudder-net-").tempdir()?;
        let socket = dir.path().join("proxy.sock");
        let listener = {
            let _entered = runtime.enter();
            UnixListener::bind(&socket)?
        };
        let stop = CancellationToken::new();
        let shared = Arc::new(Shared {
            filter,
            limits,
            slots: Arc::new(Semaphore::new(limits.max_connections)),
            stop: stop.clone(),
        });
        runtime.spawn(async move {
            tokio::select! {
                () = shared.stop.cancelled() => {}
                () = accept_loop(listener, Arc::clone(&shared)) => {}
            }
        });
        Ok(Self {
            socket,
            stop,
            _dir: dir,
        })
    }

    /// The Unix socket the proxy listens on.
    pub fn socket(&self) -> &Path {
        &self.socket
    }
}

impl Drop for NetProxy {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// What every connection task shares.
struct Shared {
    filter: Arc<DomainFilter>,
    limits: ProxyLimits,
    slots: Arc<Semaphore>,
    stop: CancellationToken,
}

type ProxyBody = BoxBody<Bytes, hyper::Error>;

async fn accept_loop(listener: UnixListener, shared: Arc<Shared>) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(error) => {
                tracing::warn!(%error, "the sandbox network proxy could not accept a connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        match Arc::clone(&shared.slots).try_acquire_owned() {
            Ok(permit) => {
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    let stop = shared.stop.clone();
                    tokio::select! {
                        () = stop.cancelled() => {}
                        () = serve(stream, shared, permit) => {}
                    }
                });
            }
            Err(_) => {
                tokio::spawn(refuse_busy(stream));
            }
        }
    }
}

/// Answers a connection over the limit with `503` and closes it.
async fn refuse_busy(mut stream: UnixStream) {
    let body = "rudder sandbox: too many connections through the network proxy at once; \
                try again when some have finished\n";
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Serves one client connection; `permit` is its slot, shared with any
/// tunnel it opens so the slot is held until both end.
async fn serve(stream: UnixStream, shared: Arc<Shared>, permit: OwnedSemaphorePermit) {
    let permit = Arc::new(permit);
    let header_timeout = shared.limits.header_timeout;
    let service = hyper::service::service_fn(move |request| {
        let shared = Arc::clone(&shared);
        let permit = Arc::clone(&permit);
        async move { Ok::<_, Infallible>(handle(request, shared, permit).await) }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    if let Err(error) = connection.await {
        tracing::debug!(%error, "sandbox network proxy connection ended with an error");
    }
}

async fn handle(
    request: Request<Incoming>,
    shared: Arc<Shared>,
    permit: Arc<OwnedSemaphorePermit>,
) -> Response<ProxyBody> {
    if request.method() == Method::CONNECT {
        tunnel(request, shared, permit).await
    } else {
        forward(request, shared, permit).await
    }
}

/// `CONNECT host:port`: checks the target, connects, answers `200` and
/// relays bytes both ways until either side closes.
async fn tunnel(
    request: Request<Incoming>,
    shared: Arc<Shared>,
    permit: Arc<OwnedSemaphorePermit>,
) -> Response<ProxyBody> {
    let Some((host, port)) = request
        .uri()
        .authority()
        .and_then(|authority| Some((authority.host().to_owned(), authority.port_u16()?)))
    else {
        return text(
            StatusCode::BAD_REQUEST,
            "rudder sandbox: CONNECT needs a host:port target\n",
        );
    };
    let target = match shared.filter.check(&host, port) {
        Ok(target) => target,
        Err(refusal) => return refused(&refusal),
    };
    let mut upstream = match connect(&target, shared.limits.connect_timeout).await {
        Ok(upstream) => upstream,
        Err(response) => return response,
    };
    let stop = shared.stop.clone();
    tokio::spawn(async move {
        let _slot = permit;
        let relay = async {
            match hyper::upgrade::on(request).await {
                Ok(upgraded) => {
                    let mut client = TokioIo::new(upgraded);
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                }
                Err(error) => tracing::debug!(%error, "a CONNECT tunnel was not upgraded"),
            }
        };
        tokio::select! {
            () = stop.cancelled() => {}
            () = relay => {}
        }
    });
    Response::new(empty())
}

/// An absolute-form `http://` request: checks the target, sends the
/// request there in origin form, with `Host` set to the target and without
/// hop-by-hop headers, and streams the answer back.
async fn forward(
    mut request: Request<Incoming>,
    shared: Arc<Shared>,
    permit: Arc<OwnedSemaphorePermit>,
) -> Response<ProxyBody> {
    let uri = request.uri().clone();
    let Some(authority) = uri.authority() else {
        return text(
            StatusCode::BAD_REQUEST,
            "rudder sandbox: this is the sandbox's network proxy; send requests in \
             absolute form (GET http://host/path) or use CONNECT host:port\n",
        );
    };
    if uri.scheme_str() != Some("http") {
        return text(
            StatusCode::BAD_REQUEST,
            "rudder sandbox: only http:// URLs are forwarded; use CONNECT for https\n",
        );
    }
    let port = authority.port_u16().unwrap_or(80);
    let target = match shared.filter.check(authority.host(), port) {
        Ok(target) => target,
        Err(refusal) => return refused(&refusal),
    };
    let upstream = match connect(&target, shared.limits.connect_timeout).await {
        Ok(upstream) => upstream,
        Err(response) => return response,
    };
    let (mut sender, connection) =
        match hyper::client::conn::http1::handshake(TokioIo::new(upstream)).await {
            Ok(pair) => pair,
            Err(error) => return upstream_failed(&target, &error.to_string()),
        };
    let stop = shared.stop.clone();
    tokio::spawn(async move {
        let _slot = permit;
        tokio::select! {
            () = stop.cancelled() => {}
            _ = connection => {}
        }
    });
    let origin_form: hyper::Uri = uri
        .path_and_query()
        .map_or("/", |path| path.as_str())
        .parse()
        .unwrap_or_default();
    *request.uri_mut() = origin_form;
    strip_hop_by_hop(request.headers_mut());
    // RFC 9112 §3.2.2: a proxy replaces Host with the target URI's authority.
    if let Ok(host) = HeaderValue::from_str(authority.as_str()) {
        request.headers_mut().insert(header::HOST, host);
    }
    match sender.send_request(request).await {
        Ok(response) => {
            let (mut parts, body) = response.into_parts();
            strip_hop_by_hop(&mut parts.headers);
            Response::from_parts(parts, body.boxed())
        }
        Err(error) => upstream_failed(&target, &error.to_string()),
    }
}

/// Connects to an allowed target within `limit`; a failure is the
/// response to give (`502`, or `504` when it took too long).
async fn connect(target: &Target, limit: Duration) -> Result<TcpStream, Response<ProxyBody>> {
    match tokio::time::timeout(
        limit,
        TcpStream::connect((target.host.as_str(), target.port)),
    )
    .await
    {
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(error)) => Err(upstream_failed(target, &error.to_string())),
        Err(_) => Err(text(
            StatusCode::GATEWAY_TIMEOUT,
            &format!(
                "rudder sandbox: {}:{} did not answer within {} s\n",
                target.host,
                target.port,
                limit.as_secs()
            ),
        )),
    }
}

fn upstream_failed(target: &Target, error: &str) -> Response<ProxyBody> {
    text(
        StatusCode::BAD_GATEWAY,
        &format!(
            "rudder sandbox: could not reach {}:{}: {error}\n",
            target.host, target.port
        ),
    )
}

fn refused(refusal: &Refusal) -> Response<ProxyBody> {
    let (status, reason) = match refusal {
        Refusal::NotAllowed { .. } => (StatusCode::FORBIDDEN, "blocked-by-allowlist"),
        Refusal::BadHost { .. } => (StatusCode::BAD_REQUEST, "bad-host"),
    };
    let mut response = text(status, &format!("{refusal}\n"));
    response
        .headers_mut()
        .insert("x-proxy-error", HeaderValue::from_static(reason));
    response
}

/// Removes the headers that belong to one connection (RFC 9110 §7.6.1):
/// those `Connection` names, and the standard hop-by-hop set.
fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in [
        "connection",
        "proxy-connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    ] {
        headers.remove(name);
    }
}

fn text(status: StatusCode, body: &str) -> Response<ProxyBody> {
    let mut response = Response::new(
        Full::new(Bytes::from(body.to_owned()))
            .map_err(|never| match never {})
            .boxed(),
    );
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn empty() -> ProxyBody {
    Full::new(Bytes::new())
        .map_err(|never| match never {})
        .boxed()
}

#[cfg(test)]
mod tests;
