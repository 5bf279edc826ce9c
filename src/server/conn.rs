//! Serving connections: the accept loop, one function that serves any byte stream
//! (a TCP socket, or a TLS stream around it), and the run's life cycle (serving,
//! draining, cut).
//!
//! [`serve_connection`] wraps the stream in [`TimedIo`] (read timeouts) and hands it
//! to hyper's HTTP/1 server with a per-connection service that tells `TimedIo` when
//! a request is taken and when its answer has been sent. On draining it asks hyper to
//! finish the request in progress and close; on cut it drops the connection.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, HttpBody};
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, Response};
use bytes::Bytes;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;

use crate::fault::conn::{Switch, SwitchedIo, Watched};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tower::Service;

use super::timed_io::{ConnState, Finished, StallReply, TimedIo};
use crate::config::Timeouts;

/// Where the run stands; every connection watches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Life {
    /// Accepting and serving.
    Serving,
    /// Not accepting; requests in progress finish, then their connections close.
    Draining,
    /// Every connection is dropped now.
    Cut,
}

/// What a port serves.
#[derive(Clone)]
pub enum App {
    /// The control API.
    Control(Router),
    /// A vendor's API; `https` marks its requests as arriving over TLS.
    Vendor {
        /// The vendor's service (its router, gate and record layer).
        service: super::VendorService,
        /// Whether the port serves TLS (requests are marked `x-forwarded-proto: https`).
        https: bool,
    },
}

/// What every connection of one listener shares.
pub struct Port {
    /// The app behind the port.
    pub app: App,
    /// Read timeouts.
    pub timeouts: Timeouts,
    /// The 408 for a stalled header (journaled by it, on vendor ports).
    pub stall: Arc<dyn StallReply>,
    /// TLS for every connection (`serve --tls`), or plain HTTP.
    pub tls: Option<tokio_rustls::TlsAcceptor>,
}

/// Accepts until the run stops serving; each connection is served on its own task,
/// which holds a clone of `open` until it ends (so the run can wait for them all).
pub async fn accept_loop(
    listener: TcpListener,
    port: Arc<Port>,
    life: watch::Receiver<Life>,
    open: mpsc::Sender<()>,
) {
    let mut stop = life.clone();
    loop {
        let accepted = tokio::select! {
            _ = stop.wait_for(|l| *l != Life::Serving) => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                let (port, life, open) = (port.clone(), life.clone(), open.clone());
                tokio::spawn(async move {
                    if port.tls.is_some() {
                        let _ = stream.set_nodelay(true);
                    }
                    // A fault's reset or close trips the connection's switch.
                    let io = SwitchedIo::new(stream);
                    let switch = io.switch();
                    match &port.tls {
                        // The handshake runs on this task, at the stream's first read.
                        Some(tls) => {
                            let io = crate::tls::accept::TlsStream::new(tls.accept(io));
                            serve_connection(io, peer, switch, &port, life).await;
                        }
                        None => serve_connection(io, peer, switch, &port, life).await,
                    }
                    drop(open);
                });
            }
            // Out of file descriptors and the like: wait a little, as hyper's own
            // accept loops do, instead of spinning.
            Err(e) if !is_per_connection(&e) => {
                tracing::error!("accept failed: {e}");
                tokio::select! {
                    _ = stop.wait_for(|l| *l != Life::Serving) => return,
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
            }
            Err(_) => {}
        }
    }
}

fn is_per_connection(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    )
}

/// Serves one connection over any byte stream until it closes, the run drains it
/// (after the request in progress) or the run cuts it.
pub async fn serve_connection<IO>(
    io: IO,
    peer: SocketAddr,
    switch: Switch,
    port: &Port,
    mut life: watch::Receiver<Life>,
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let state = Arc::new(ConnState::default());
    let io = TimedIo::new(io, state.clone(), port.timeouts, port.stall.clone());
    let service = ConnService {
        app: port.app.clone(),
        peer,
        state,
        switch,
    };
    let conn =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    let mut draining = false;
    loop {
        let now = *life.borrow_and_update();
        match now {
            Life::Cut => return,
            Life::Draining if !draining => {
                draining = true;
                conn.as_mut().graceful_shutdown();
            }
            _ => {}
        }
        tokio::select! {
            _ = conn.as_mut() => return,
            changed = life.changed() => if changed.is_err() { return },
        }
    }
}

/// The router behind one connection. It puts the client's address
/// (`ConnectInfo<SocketAddr>`) in the extensions of writes only: they record it
/// (an audit's client address), while reads, most of the traffic
/// under load, are spared allocating an extension map for it. It counts requests
/// taken and answered for the connection's timeouts.
struct ConnService {
    app: App,
    peer: SocketAddr,
    state: Arc<ConnState>,
    /// The connection's switch, which a fault's response trips.
    switch: Switch,
}

impl hyper::service::Service<Request<Incoming>> for ConnService {
    type Response = Response<TrackedBody>;
    type Error = Infallible;
    type Future = Tracked<Watched<AppFuture>>;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        let finished = self.state.start();
        let mut req = req.map(Body::new);
        if !matches!(*req.method(), Method::GET | Method::HEAD) {
            req.extensions_mut().insert(ConnectInfo(self.peer));
        }
        let future = match &self.app {
            App::Control(router) => AppFuture::Control(router.clone().call(req)),
            App::Vendor { service, https } => {
                if *https {
                    crate::vendors::mark_https(req.headers_mut());
                }
                AppFuture::Vendor(service.clone().call(req))
            }
        };
        Tracked {
            future: Watched::new(future, self.switch.clone()),
            finished: Some(finished),
        }
    }
}

/// The answer of a port's [`App`]. Kept in place rather than boxed: the vendor
/// variant is every recorded request's, and a box would allocate for each.
#[allow(clippy::large_enum_variant)]
enum AppFuture {
    Control(<Router as Service<axum::extract::Request>>::Future),
    Vendor(<super::VendorService as Service<axum::extract::Request>>::Future),
}

impl Future for AppFuture {
    type Output = Result<Response<Body>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            Self::Control(f) => Pin::new(f).poll(cx),
            Self::Vendor(f) => Pin::new(f).poll(cx),
        }
    }
}

/// The router's answer, with the mark that its request is finished once the body
/// has been sent (or dropped).
struct Tracked<F> {
    future: F,
    finished: Option<Finished>,
}

impl<F> Future for Tracked<F>
where
    F: Future<Output = Result<Response<Body>, Infallible>> + Unpin,
{
    type Output = Result<Response<TrackedBody>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let response = ready!(Pin::new(&mut this.future).poll(cx))?;
        let finished = this.finished.take();
        Poll::Ready(Ok(response.map(|inner| TrackedBody {
            inner,
            _finished: finished,
        })))
    }
}

/// A response body that marks its request finished when dropped.
struct TrackedBody {
    inner: Body,
    _finished: Option<Finished>,
}

impl HttpBody for TrackedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
