//! The forward proxy (`serve --proxy-port`): clients that build the vendors' real
//! URLs (`https://acme.zendesk.com/api/v2/...`) reach the fakes with only
//! `HTTPS_PROXY`/`HTTP_PROXY` set and fakedesk's CA trusted.
//!
//! - `CONNECT host:443` to a faked host: the tunnel is answered in process: TLS is
//!   terminated with a leaf for `host` signed by the local CA, and the requests
//!   inside are served by that vendor's router (record layer included), with no
//!   second TCP connection.
//! - `GET http://host/...` (absolute-form): served the same way, without TLS.
//! - Any other host: `502` with a JSON body saying so, journaled. Nothing is ever
//!   forwarded to the network.

pub mod hosts;

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, Response, StatusCode, Uri, header};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;

use crate::clock::Clock;
use crate::journal::Journal;
use crate::tls::ca::LocalCa;
use crate::vendors::HostAccount;
use hosts::{HostMap, Route};

mod refuse;

/// What the proxy needs: the host map, each vendor's app, and the CA.
pub struct Proxy {
    hosts: HostMap,
    apps: BTreeMap<&'static str, Router>,
    tls: Arc<rustls::ServerConfig>,
    journal: Arc<Journal>,
    clock: Arc<dyn Clock>,
}

impl Proxy {
    /// A proxy over `apps` (vendor name → what its port serves).
    pub fn new(
        hosts: HostMap,
        apps: BTreeMap<&'static str, Router>,
        ca: Arc<LocalCa>,
        journal: Arc<Journal>,
        clock: Arc<dyn Clock>,
    ) -> Arc<Self> {
        let resolver = crate::tls::LeafResolver::new(ca, None);
        Arc::new(Self {
            hosts,
            apps,
            tls: crate::tls::server_config(Arc::new(resolver)),
            journal,
            clock,
        })
    }

    fn route(&self, host: &str) -> Option<(Route, Router)> {
        let route = self.hosts.route(host)?;
        let app = self.apps.get(route.vendor)?.clone();
        Some((route, app))
    }

    async fn connection(self: Arc<Self>, stream: tokio::net::TcpStream, peer: SocketAddr) {
        let _ = stream.set_nodelay(true);
        let svc = hyper::service::service_fn(move |req| {
            let proxy = self.clone();
            async move { Ok::<_, Infallible>(proxy.handle(req, peer).await) }
        });
        if let Err(e) = http1::Builder::new()
            .serve_connection(TokioIo::new(stream), svc)
            .with_upgrades()
            .await
        {
            tracing::debug!("proxy connection from {peer}: {e}");
        }
    }

    async fn handle(self: Arc<Self>, req: Request<Incoming>, peer: SocketAddr) -> Response<Body> {
        let req = req.map(Body::new);
        if req.method() == Method::CONNECT {
            return self.connect(req, peer);
        }
        let host = req
            .uri()
            .authority()
            .map(|a| a.as_str().to_owned())
            .or_else(|| host_header(&req))
            .unwrap_or_default();
        match self.route(hosts::strip_port(&host)) {
            Some((route, app)) => serve_one(app, &route, &host, req, peer).await,
            None => refuse::refuse(self.as_ref(), req, &host).await,
        }
    }

    fn connect(self: Arc<Self>, req: Request<Body>, peer: SocketAddr) -> Response<Body> {
        let authority = req
            .uri()
            .authority()
            .map(|a| a.as_str().to_owned())
            .unwrap_or_default();
        let host = hosts::strip_port(&authority).to_owned();
        let Some((route, app)) = self.route(&host) else {
            return refuse::refuse_now(self.as_ref(), &req, &authority);
        };
        let tls = self.tls.clone();
        tokio::spawn(async move {
            let upgraded = match hyper::upgrade::on(req).await {
                Ok(u) => u,
                Err(e) => return tracing::debug!("CONNECT {authority}: no tunnel: {e}"),
            };
            let acceptor = tokio_rustls::TlsAcceptor::from(tls);
            let stream = match acceptor.accept(TokioIo::new(upgraded)).await {
                Ok(s) => s,
                Err(e) => return tracing::info!("CONNECT {authority}: TLS handshake failed: {e}"),
            };
            let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
                let (app, route, host) = (app.clone(), route.clone(), host.clone());
                async move {
                    let mut req = req.map(Body::new);
                    crate::vendors::mark_https(req.headers_mut());
                    let res = serve_one(app, &route, &host, req, peer).await;
                    Ok::<_, Infallible>(res)
                }
            });
            if let Err(e) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await
            {
                tracing::debug!("tunnel to {authority}: {e}");
            }
        });
        Response::new(Body::empty())
    }
}

fn host_header(req: &Request<Body>) -> Option<String> {
    req.headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
}

/// One request served by the vendor's app, as if sent to its port: origin-form
/// URI, the host kept in `Host`, the account the hostname names attached.
async fn serve_one(
    app: Router,
    route: &Route,
    host: &str,
    mut req: Request<Body>,
    peer: SocketAddr,
) -> Response<Body> {
    if req.uri().authority().is_some() {
        let pq = req
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        *req.uri_mut() = pq.parse::<Uri>().unwrap_or_else(|_| Uri::from_static("/"));
    }
    if !req.headers().contains_key(header::HOST)
        && let Ok(v) = HeaderValue::from_str(host)
    {
        req.headers_mut().insert(header::HOST, v);
    }
    if let Some(a) = &route.account {
        req.extensions_mut().insert(HostAccount(a.clone()));
    }
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(peer));
    match app.oneshot(req).await {
        Ok(res) => res,
        Err(never) => match never {},
    }
}

/// Accepts proxy connections until `stopped` turns true.
pub async fn serve(listener: TcpListener, proxy: Arc<Proxy>, mut stopped: watch::Receiver<bool>) {
    let shutdown = async move {
        let _ = stopped.wait_for(|s| *s).await;
    };
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    tokio::spawn(proxy.clone().connection(stream, peer));
                }
                Err(e) => {
                    tracing::warn!("proxy: accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            },
        }
    }
}

/// The status of a refused host.
pub const REFUSED: StatusCode = StatusCode::BAD_GATEWAY;
