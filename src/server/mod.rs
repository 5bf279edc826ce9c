//! Binding and serving: one listener per vendor plus the control API.
//!
//! [`Harness`] holds what a run shares (configuration, clock, journal, vendors).
//! [`start`] binds every listener first, so a port problem is reported before
//! anything is served and the env file is written only once all are bound.
//!
//! Layer order around a vendor router, outermost first: [`record`] (journal), then
//! the vendor's own gate (rate limit, authentication), then its routes. Every
//! connection is served by [`conn::serve_connection`] (read timeouts, draining).

pub mod clock_api;
pub mod conn;
pub mod control;
pub mod coverage;
mod expect;
pub mod faults_api;
mod guard;
pub mod har;
pub mod inspector;
mod journal_body;
pub mod live;
pub mod openapi;
pub mod record;
pub mod reply;
pub mod signature;
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
use tower::Layer as _;

use self::conn::{Life, Port};

use crate::clock::Clock;
use crate::config::{ConfigError, RunConfig};
use crate::fault::Faults;
use crate::journal::Journal;
use crate::outbound::{self, HttpTransport, InFlight, Sender};
use crate::template::Templates;
use crate::tls::ca::LocalCa;
use crate::tls::{LeafResolver, Trust};
use crate::vendors::gate::Gate;
use crate::vendors::{self, Peers, Vendor, VendorCtx};

/// What a vendor's port serves (see [`Harness::vendor_service`]).
pub type VendorService = record::Record<Gate<Router>>;

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
    /// fakedesk's own CA, when this run signs certificates (`--tls`, the proxy).
    pub ca: Option<Arc<LocalCa>>,
    /// The client every outbound request goes through.
    pub transport: HttpTransport,
    /// The fault rules in force.
    pub faults: Arc<Faults>,
    /// Fans new journal entries out to live streams.
    pub live: live::Hub,
    /// Served and unmatched calls per vendor (`GET /coverage`).
    pub coverage: Arc<coverage::Coverage>,
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
        let (ca, transport) = tls_of(&config)?;
        let faults = Arc::new(Faults::new(config.seed, &vendors::names()));
        let problems: Vec<String> = config
            .faults()
            .into_iter()
            .filter_map(|(vendor, rule)| {
                faults
                    .add(vendor, rule)
                    .err()
                    .map(|e| format!("vendors.{vendor}.faults: {e}"))
            })
            .collect();
        if !problems.is_empty() {
            return Err(ConfigError::Invalid(problems));
        }
        let sender = Sender {
            transport: transport.clone(),
            recorder: outbound::Recorder {
                journal: journal.clone(),
                clock: clock.clone(),
                in_flight: in_flight.clone(),
                faults: faults.clone(),
            },
        };
        let peers = Arc::new(Peers::default());
        peers.set_tls(config.tls.serve);
        let ctx = VendorCtx {
            clock: clock.clone(),
            config: Arc::new(config.vendor_config()),
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
            ca,
            transport,
            faults,
            live: live::Hub::default(),
            coverage: Arc::default(),
            peers,
            in_flight,
        }))
    }

    /// The outbound deliveries in progress.
    pub fn in_flight(&self) -> &InFlight {
        &self.in_flight
    }

    /// Lets every vendor apply its time-driven rules due by the clock's now (after
    /// the clock moved, or on the wall clock's tick).
    pub fn tick(&self) {
        let now = self.clock.now();
        for v in &self.vendors {
            v.clone().on_clock(now);
        }
    }

    /// The vendor called `name`.
    pub fn vendor(&self, name: &str) -> Option<&Arc<dyn Vendor>> {
        self.vendors.iter().find(|v| v.name() == name)
    }

    /// What a vendor's port serves, as a router (for the proxy and in-process
    /// callers): [`Harness::vendor_service`] behind a fallback.
    pub fn vendor_app(&self, vendor: &Arc<dyn Vendor>) -> Router {
        Router::new().fallback_service(self.vendor_service(vendor))
    }

    /// What a vendor's port serves: the vendor's router behind its gate, in the
    /// record layer. Both wrap the whole router once, outside axum's routing, so a
    /// request pays for one route level (wrapping each route with `Router::layer`
    /// adds a level that axum clones and boxes on every request).
    pub fn vendor_service(&self, vendor: &Arc<dyn Vendor>) -> VendorService {
        let recorder = record::Recorder {
            journal: self.journal.clone(),
            vendor: vendor.clone(),
            clock: self.clock.clone(),
            max_body: self.config.max_body_bytes,
            body_timeout: self.config.timeouts.body,
            faults: self.faults.clone(),
            coverage: self.coverage.clone(),
        };
        let gated = Gate::new(vendor.clone().gate(), vendor.clone().router());
        record::RecordLayer::new(recorder).layer(gated)
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
        if let Some(u) = self.url("proxy") {
            lines.push(format!("FAKEDESK_PROXY_URL={u}"));
        }
        if let Some(ca) = &self.ca {
            lines.push(format!("FAKEDESK_CA_CERT={}", ca.cert_path().display()));
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

/// The local CA when the run signs certificates, and the outbound client trusting
/// the system roots, that CA (or the stored one) and every `--ca-cert` file.
fn tls_of(config: &RunConfig) -> Result<(Option<Arc<LocalCa>>, HttpTransport), ConfigError> {
    let tls = &config.tls;
    let ca = if tls.needs_ca() {
        let ca = LocalCa::load_or_create(&tls.dir).map_err(|e| {
            ConfigError::Invalid(vec![format!(
                "fakedesk's CA in {}: {e} (choose another place with --tls-dir)",
                tls.dir.display()
            )])
        })?;
        Some(Arc::new(ca))
    } else {
        None
    };
    let trust = Trust::for_run(&tls.ca_certs, &tls.dir, ca.as_deref())
        .map_err(|e| ConfigError::Invalid(vec![e]))?;
    Ok((ca, HttpTransport::new(&trust)))
}

/// The server side of `--tls`: a leaf per requested name, and for clients that
/// send no name (an IP address) one covering the local names and the vendors'
/// hostnames.
fn inbound_tls(h: &Harness) -> Option<Arc<rustls::ServerConfig>> {
    let ca = h.ca.as_ref().filter(|_| h.config.tls.serve)?;
    let names: Vec<String> = h
        .vendors
        .iter()
        .flat_map(|v| h.config.tls.hosts.patterns_of(v.name()))
        .filter(|p| !p.trim_start_matches("*.").contains('*'))
        .map(str::to_owned)
        .collect();
    let fallback = ca
        .local_leaf(&names)
        .map_err(|e| tracing::error!("cannot sign the local certificate: {e}"))
        .ok()
        .map(Arc::new);
    Some(crate::tls::server_config(Arc::new(LeafResolver::new(
        ca.clone(),
        fallback,
    ))))
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
    /// `http://ADDR` of a vendor (`https://` under `--tls`), `control` or `proxy`.
    pub fn url(&self, name: &str) -> String {
        self.harness.url(name).unwrap_or_default()
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
        self.harness.live.close();
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
/// the vendors' own settings (one fake's outbound URL pointing at another fake).
pub struct Listeners {
    control: TcpListener,
    proxy: Option<TcpListener>,
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
    let proxy = match cfg.tls.proxy_port {
        Some(port) => Some(bind("proxy", SocketAddr::new(cfg.bind, port)).await?),
        None => None,
    };
    let mut addrs = BTreeMap::new();
    addrs.insert("control", local(&control, "control")?);
    if let Some(p) = &proxy {
        addrs.insert("proxy", local(p, "proxy")?);
    }
    for (name, l) in &vendors {
        addrs.insert(*name, local(l, name)?);
    }
    Ok(Listeners {
        control,
        proxy,
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
        proxy,
        vendors: bound,
        addrs,
    } = listeners;
    harness.peers.set_addrs(addrs.clone());
    let (life, watching) = watch::channel(Life::Serving);
    let (open_tx, open) = mpsc::channel(1);
    let mut tasks = JoinSet::new();
    // For the tasks that only need to know when the run stops serving.
    let (stop_tx, stopped) = watch::channel(false);
    let mut serving = watching.clone();
    tasks.spawn(async move {
        let _ = serving.wait_for(|l| *l != Life::Serving).await;
        let _ = stop_tx.send(true);
    });
    let tls = inbound_tls(&harness).map(tokio_rustls::TlsAcceptor::from);
    let mut serve = |listener: TcpListener, port: Port| {
        let accept = conn::accept_loop(listener, Arc::new(port), watching.clone(), open_tx.clone());
        tasks.spawn(accept);
    };
    let timeouts = harness.config.timeouts;
    serve(
        control,
        Port {
            app: conn::App::Control(control::app(harness.clone())),
            timeouts,
            stall: Arc::new(control::stall_reply()),
            tls: None,
        },
    );
    for (name, listener) in bound {
        if let Some(v) = harness.vendor(name) {
            serve(listener, vendor_port(&harness, v, tls.clone()));
        }
    }
    if let Some(l) = proxy {
        match proxy_of(&harness) {
            Some(proxy) => {
                tasks.spawn(crate::proxy::serve(l, proxy, stopped.clone()));
            }
            None => tracing::error!("the proxy needs fakedesk's CA; it is not running"),
        }
    }
    if harness.clock.manual().is_none() {
        tasks.spawn(clock_api::wall_ticker(harness.clone(), stopped));
    }
    Running {
        harness,
        addrs,
        life,
        tasks,
        open,
    }
}

/// What a vendor's port serves: its app (marking requests https under TLS), with
/// its own answer to a stalled request.
fn vendor_port(
    harness: &Harness,
    v: &Arc<dyn Vendor>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> Port {
    let timeouts = harness.config.timeouts;
    let stall = stall::VendorStall::new(
        v,
        harness.journal.clone(),
        harness.clock.clone(),
        timeouts.header,
    );
    Port {
        app: conn::App::Vendor {
            service: harness.vendor_service(v),
            https: tls.is_some(),
        },
        timeouts,
        stall: Arc::new(stall),
        tls,
    }
}

/// The forward proxy over every vendor's app; `None` without fakedesk's CA.
fn proxy_of(harness: &Harness) -> Option<Arc<crate::proxy::Proxy>> {
    let ca = harness.ca.as_ref()?;
    let apps = harness
        .vendors
        .iter()
        .map(|v| (v.name(), harness.vendor_app(v)))
        .collect();
    Some(crate::proxy::Proxy::new(
        harness.config.tls.hosts.clone(),
        apps,
        ca.clone(),
        harness.journal.clone(),
        harness.clock.clone(),
    ))
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
