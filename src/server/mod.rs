//! Binding and serving: one listener per vendor plus the control API.
//!
//! [`Harness`] holds what a run shares (configuration, clock, journal, vendors).
//! [`start`] binds every listener first, so a port problem is reported before
//! anything is served and the env file is written only once all are bound.
//!
//! Layer order around a vendor router, outermost first: [`record`] (journal), then
//! the vendor's own gate (rate limit, authentication), then its routes.

pub mod control;
pub mod coverage;
mod expect;
pub mod record;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::clock::Clock;
use crate::config::{ConfigError, RunConfig};
use crate::journal::Journal;
use crate::outbound::{self, HttpTransport, Sender};
use crate::template::Templates;
use crate::vendors::{self, Peers, Vendor, VendorCtx};

/// What a run shares: configuration, clock, journal and the vendors.
pub struct Harness {
    /// The validated configuration.
    pub config: Arc<RunConfig>,
    /// The run's clock.
    pub clock: Arc<dyn Clock>,
    /// Every exchange.
    pub journal: Arc<Journal>,
    /// The fake vendors, in registry order.
    pub vendors: Vec<Arc<dyn Vendor>>,
    /// Served and unmatched calls per vendor (`GET /coverage`).
    pub coverage: Arc<coverage::Coverage>,
    peers: Arc<Peers>,
}

/// Why serving failed.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A listener could not be bound.
    #[error("cannot bind {what} listener on {addr}")]
    Bind {
        /// `control` or the vendor name.
        what: String,
        /// The address.
        addr: SocketAddr,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The env file could not be written.
    #[error("cannot write env file {path}")]
    EnvFile {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl Harness {
    /// Builds every registered vendor in its seeded state.
    pub fn new(config: RunConfig, clock: Arc<dyn Clock>) -> Result<Arc<Self>, ConfigError> {
        let config = Arc::new(config);
        let journal = Arc::new(Journal::new(config.journal_capacity));
        let sender = Sender {
            transport: HttpTransport::default(),
            recorder: outbound::Recorder {
                journal: journal.clone(),
                clock: clock.clone(),
            },
        };
        let peers = Arc::new(Peers::default());
        let ctx = VendorCtx {
            clock: clock.clone(),
            config: config.clone(),
            sender,
            templates: Arc::new(Templates::new()),
            peers: peers.clone(),
        };
        let vendors = vendors::REGISTRY
            .iter()
            .map(|r| (r.build)(&ctx))
            .collect::<Result<_, _>>()?;
        Ok(Arc::new(Self {
            journal,
            config,
            clock,
            vendors,
            coverage: Arc::default(),
            peers,
        }))
    }

    /// The vendor called `name`.
    pub fn vendor(&self, name: &str) -> Option<&Arc<dyn Vendor>> {
        self.vendors.iter().find(|v| v.name() == name)
    }

    /// The vendor's router wrapped in the record layer: what its port serves.
    pub fn vendor_app(&self, vendor: &Arc<dyn Vendor>) -> Router {
        let recorder = record::Recorder {
            journal: self.journal.clone(),
            vendor: vendor.clone(),
            clock: self.clock.clone(),
            max_body: self.config.max_body_bytes,
            coverage: self.coverage.clone(),
        };
        vendor
            .clone()
            .recorded_router(record::RecordLayer::new(recorder))
    }

    /// `http://ADDR` of a vendor (or `control`), once bound.
    pub fn url(&self, name: &str) -> Option<String> {
        self.peers.url(name)
    }

    /// The env file's lines: URLs, then each vendor's seeded credentials.
    pub fn env_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(u) = self.url("control") {
            lines.push(format!("FAKEDESK_CONTROL_URL={u}"));
        }
        for v in &self.vendors {
            let prefix = format!("FAKEDESK_{}", v.name().to_uppercase());
            if let Some(u) = self.url(v.name()) {
                lines.push(format!("{prefix}_URL={u}"));
            }
            for c in v.credentials() {
                lines.push(format!("{prefix}_{}={}", c.key, c.value));
            }
        }
        lines
    }
}

/// A running set of listeners.
pub struct Running {
    /// The shared state.
    pub harness: Arc<Harness>,
    /// Bound address per vendor name, and `control`.
    pub addrs: BTreeMap<&'static str, SocketAddr>,
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

impl Running {
    /// `http://ADDR` of a vendor or `control`.
    pub fn url(&self, name: &str) -> String {
        self.addrs
            .get(name)
            .map(|a| format!("http://{a}"))
            .unwrap_or_default()
    }

    /// Stops accepting, lets in-flight requests finish, and waits for every server.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        while self.tasks.join_next().await.is_some() {}
    }
}

async fn bind(what: &str, addr: SocketAddr) -> Result<TcpListener, ServeError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind {
            what: what.to_owned(),
            addr,
            source,
        })
}

/// Listeners bound before the vendors are built, so their addresses can appear in
/// the vendors' own settings (a scenario's Braze campaign posting to fake Zendesk).
pub struct Listeners {
    control: TcpListener,
    vendors: Vec<(&'static str, TcpListener)>,
    addrs: BTreeMap<&'static str, SocketAddr>,
}

impl Listeners {
    /// Bound address per vendor name, and `control`.
    pub fn addrs(&self) -> &BTreeMap<&'static str, SocketAddr> {
        &self.addrs
    }
}

/// Binds the control listener and one per registered vendor, on the configured ports.
pub async fn bind_all(cfg: &RunConfig) -> Result<Listeners, ServeError> {
    let control = bind("control", SocketAddr::new(cfg.bind, cfg.control_port)).await?;
    let mut vendors = Vec::new();
    for reg in vendors::REGISTRY {
        let port = cfg.ports.get(reg.name).copied().unwrap_or(0);
        vendors.push((
            reg.name,
            bind(reg.name, SocketAddr::new(cfg.bind, port)).await?,
        ));
    }
    let local = |l: &TcpListener, what: &str| {
        l.local_addr().map_err(|source| ServeError::Bind {
            what: what.to_owned(),
            addr: SocketAddr::new(cfg.bind, 0),
            source,
        })
    };
    let mut addrs = BTreeMap::new();
    addrs.insert("control", local(&control, "control")?);
    for (name, l) in &vendors {
        addrs.insert(*name, local(l, name)?);
    }
    Ok(Listeners {
        control,
        vendors,
        addrs,
    })
}

/// Binds every listener, then serves them all in the background.
pub async fn start(harness: Arc<Harness>) -> Result<Running, ServeError> {
    let listeners = bind_all(&harness.config).await?;
    Ok(serve_on(harness, listeners))
}

/// Serves the harness on listeners bound by [`bind_all`].
pub fn serve_on(harness: Arc<Harness>, listeners: Listeners) -> Running {
    let Listeners {
        control,
        vendors: bound,
        addrs,
    } = listeners;
    harness.peers.set_addrs(addrs.clone());
    let listeners: Vec<(Arc<dyn Vendor>, TcpListener)> = bound
        .into_iter()
        .filter_map(|(name, l)| harness.vendor(name).map(|v| (v.clone(), l)))
        .collect();

    let (stop, stopped) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let mut serve = |listener: TcpListener, app: Router| {
        let mut stopped = stopped.clone();
        tasks.spawn(async move {
            let service = PeerOnWrites::make(app);
            let shutdown = async move {
                let _ = stopped.wait_for(|s| *s).await;
            };
            if let Err(e) = axum::serve(listener, service)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::error!("server stopped: {e}");
            }
        });
    };
    serve(control, control::router(harness.clone()));
    for (v, l) in listeners {
        serve(l, harness.vendor_app(&v));
    }
    Running {
        harness,
        addrs,
        stop,
        tasks,
    }
}

/// The router behind one connection, which puts the client's address
/// (`ConnectInfo<SocketAddr>`) in the extensions of writes only: they record it
/// (Zendesk's audit `metadata.system.ip_address`), while reads, most of the
/// traffic under load, are spared allocating an extension map for it.
#[derive(Clone)]
struct PeerOnWrites {
    router: Router,
    peer: SocketAddr,
}

impl PeerOnWrites {
    /// The make-service `axum::serve` calls for every accepted connection.
    fn make(
        router: Router,
    ) -> impl for<'a> tower::Service<
        axum::serve::IncomingStream<'a, TcpListener>,
        Response = Self,
        Error = std::convert::Infallible,
        Future = std::future::Ready<Result<Self, std::convert::Infallible>>,
    > + Clone
    + Send
    + 'static {
        tower::service_fn(
            move |stream: axum::serve::IncomingStream<'_, TcpListener>| {
                std::future::ready(Ok(Self {
                    router: router.clone(),
                    peer: *stream.remote_addr(),
                }))
            },
        )
    }
}

impl tower::Service<axum::extract::Request> for PeerOnWrites {
    type Response = axum::response::Response;
    type Error = std::convert::Infallible;
    type Future = <Router as tower::Service<axum::extract::Request>>::Future;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        tower::Service::<axum::extract::Request>::poll_ready(&mut self.router, cx)
    }

    fn call(&mut self, mut req: axum::extract::Request) -> Self::Future {
        use axum::http::Method;
        if !matches!(*req.method(), Method::GET | Method::HEAD) {
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(self.peer));
        }
        self.router.call(req)
    }
}

/// Writes `lines` to `path` atomically: a temporary file beside it, then a rename,
/// so a reader never sees half a file.
pub fn write_env_file(path: &Path, lines: &[String]) -> Result<(), ServeError> {
    let err = |source| ServeError::EnvFile {
        path: path.to_owned(),
        source,
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{file_name}.{}.tmp", std::process::id()));
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(&tmp, text).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        err(e)
    })
}
