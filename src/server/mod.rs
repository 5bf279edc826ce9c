//! Binding and serving: one listener per vendor plus the control API.
//!
//! [`Harness`] holds what a run shares (configuration, clock, journal, vendors).
//! [`start`] binds every listener first, so a port problem is reported before
//! anything is served and the env file is written only once all are bound.
//!
//! Layer order around a vendor router, outermost first: [`record`] (journal), then
//! the vendor's own gate (rate limit, authentication), then its routes. Every
//! connection is served by [`conn::serve_connection`] (read timeouts, draining).

pub mod conn;
pub mod control;
mod expect;
mod guard;
mod journal_body;
pub mod record;
pub mod stall;
pub mod timed_io;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use self::conn::{Life, Port};

use crate::clock::Clock;
use crate::config::{ConfigError, RunConfig};
use crate::journal::Journal;
use crate::outbound::{self, HttpTransport, InFlight, Sender};
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
    peers: Arc<Peers>,
    in_flight: InFlight,
}

/// Why serving failed.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A listener could not be bound.
    #[error("cannot bind {what} listener on {addr}{}", bind_hint(what, *addr, source))]
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

/// What to do about a port that is taken.
fn bind_hint(what: &str, addr: SocketAddr, source: &std::io::Error) -> String {
    if source.kind() != std::io::ErrorKind::AddrInUse {
        return String::new();
    }
    let port = addr.port();
    let moved = if what == "control" {
        "--control-port N".to_owned()
    } else {
        format!("--port {what}=N")
    };
    format!(
        ": port {port} ({what}) is already in use, perhaps by another fakedesk\n  hint: pass --ephemeral-ports to let the OS choose every port (the env file lists them), or {moved} to move {what} alone"
    )
}

impl Harness {
    /// Builds every registered vendor in its seeded state.
    pub fn new(config: RunConfig, clock: Arc<dyn Clock>) -> Result<Arc<Self>, ConfigError> {
        let config = Arc::new(config);
        let journal = Arc::new(Journal::with_limits(config.journal_limits()));
        let in_flight = InFlight::default();
        let sender = Sender {
            transport: HttpTransport::default(),
            recorder: outbound::Recorder {
                journal: journal.clone(),
                clock: clock.clone(),
                in_flight: in_flight.clone(),
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
            peers,
            in_flight,
        }))
    }

    /// The outbound deliveries in progress.
    pub fn in_flight(&self) -> &InFlight {
        &self.in_flight
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
            body_timeout: self.config.timeouts.body,
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
        if let Some(token) = &self.config.control_token {
            lines.push(format!("FAKEDESK_CONTROL_TOKEN={token}"));
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
    life: watch::Sender<Life>,
    tasks: JoinSet<()>,
    open: mpsc::Receiver<()>,
}

/// How a shutdown went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped {
    /// Whether everything in flight finished within the grace period (otherwise
    /// connections were cut and deliveries cancelled).
    pub drained: bool,
}

impl Running {
    /// `http://ADDR` of a vendor or `control`.
    pub fn url(&self, name: &str) -> String {
        self.addrs
            .get(name)
            .map(|a| format!("http://{a}"))
            .unwrap_or_default()
    }

    /// Stops within the configured shutdown timeout; see [`Self::shutdown_within`].
    pub async fn shutdown(self) -> Stopped {
        let grace = self.harness.config.shutdown_timeout;
        self.shutdown_within(grace).await
    }

    /// Stops accepting, lets requests in progress and outbound deliveries finish for
    /// up to `grace`, then cuts every connection and cancels every delivery (each
    /// journals its attempt as cancelled). Returns soon after `grace` whatever
    /// clients do.
    pub async fn shutdown_within(mut self, grace: Duration) -> Stopped {
        let _ = self.life.send(Life::Draining);
        while self.tasks.join_next().await.is_some() {}
        let in_flight = self.harness.in_flight.clone();
        let open = &mut self.open;
        let mut settled = async move || {
            while open.recv().await.is_some() {}
            in_flight.idle().await;
        };
        let drained = tokio::time::timeout(grace, settled()).await.is_ok();
        if !drained {
            let _ = self.life.send(Life::Cut);
            self.harness.in_flight.cancel();
            // Cut connections end at once; cancelled deliveries journal and end.
            let _ = tokio::time::timeout(Duration::from_millis(500), settled()).await;
        }
        Stopped { drained }
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
    let (life, watching) = watch::channel(Life::Serving);
    let (open_tx, open) = mpsc::channel(1);
    let mut tasks = JoinSet::new();
    let mut serve = |listener: TcpListener, port: Port| {
        let accept = conn::accept_loop(listener, Arc::new(port), watching.clone(), open_tx.clone());
        tasks.spawn(accept);
    };
    let timeouts = harness.config.timeouts;
    serve(
        control,
        Port {
            router: control::app(harness.clone()),
            timeouts,
            stall: Arc::new(control::stall_reply()),
        },
    );
    for (name, listener) in bound {
        let Some(v) = harness.vendor(name) else {
            continue;
        };
        let stall = stall::VendorStall::new(
            v,
            harness.journal.clone(),
            harness.clock.clone(),
            timeouts.header,
        );
        serve(
            listener,
            Port {
                router: harness.vendor_app(v),
                timeouts,
                stall: Arc::new(stall),
            },
        );
    }
    Running {
        harness,
        addrs,
        life,
        tasks,
        open,
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
