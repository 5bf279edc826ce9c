//! A scenario's own fakes: started from its vendor settings on OS-chosen ports, the
//! `fakedesk.*` names they give the scenario, and what is kept of their traffic
//! afterwards (the snapshot and HAR files).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::interp::{InterpError, Scope};
use super::load::Loaded;
use super::snapshot::{self, Checked, Redactor};
use crate::clock::ManualClock;
use crate::config::{ConfigError, FileConfig, Overrides, RunConfig};
use crate::server::{self, Harness, Running, ServeError};

/// Why a scenario's fakes could not be started.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The configuration the scenario makes is refused.
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// The fakes' ports could not be bound.
    #[error("cannot start the fakes: {0}")]
    Bind(#[from] ServeError),
    /// The scenario's `vendors:` section could not be filled in.
    #[error("vendor settings: {0}")]
    Interp(#[from] InterpError),
    /// The scenario's `vendors:` section has the wrong shape.
    #[error("vendor settings: {0}")]
    Settings(#[from] serde_json::Error),
}

/// Why a traffic snapshot did not pass.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// There was none: this run's traffic is pending review.
    #[error(
        "no traffic snapshot yet; wrote {}\nreview it with `cargo insta review`, or accept it with `fakedesk run --update-snapshots`",
        pending.display()
    )]
    New {
        /// The pending file.
        pending: PathBuf,
    },
    /// The traffic differs from the stored snapshot.
    #[error(
        "the traffic differs from {} (- stored, + this run):\n{diff}\nwrote {}; review with `cargo insta review`, or accept with `fakedesk run --update-snapshots`",
        snap.display(),
        pending.display()
    )]
    Differs {
        /// The stored snapshot.
        snap: PathBuf,
        /// Line diff, stored to this run.
        diff: String,
        /// The pending file.
        pending: PathBuf,
    },
    /// The snapshot could not be read or written.
    #[error("cannot check the snapshot {}: {source}", snap.display())]
    Io {
        /// The stored snapshot.
        snap: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
}

/// Binds the fakes on OS-chosen ports, then builds them from the scenario's vendor
/// settings with `${fakedesk.<vendor>.url}`, `${sut...}` and `${env...}` filled in.
pub async fn start(
    loaded: &Loaded,
    trust: &crate::cli::TrustArgs,
    control_port: Option<u16>,
    scope: &mut Scope,
    clock: Arc<ManualClock>,
) -> Result<Running, SetupError> {
    let ephemeral = Overrides {
        ephemeral_ports: true,
        ca_certs: trust.ca_certs.clone(),
        tls_dir: trust.tls_dir.clone(),
        control_port,
        ..Overrides::default()
    };
    let bare = RunConfig::build(FileConfig::default(), &ephemeral)?;
    let listeners = server::bind_all(&bare).await?;
    let urls: Map<String, Value> = listeners
        .addrs()
        .iter()
        .map(|(name, a)| ((*name).to_owned(), json!({"url": format!("http://{a}")})))
        .collect();
    scope.set("fakedesk", Value::Object(urls));
    scope.keep_unknown = true;
    let vendors = scope.value(&loaded.vendors);
    scope.keep_unknown = false;
    let vendors = vendors?;
    let vendors = if vendors.is_null() {
        Default::default()
    } else {
        serde_json::from_value(vendors)?
    };
    let file = FileConfig {
        vendors,
        seed: loaded.scenario.seed,
        ..FileConfig::default()
    };
    let config = RunConfig::build(file, &ephemeral)?;
    let harness = Harness::new(config, clock)?;
    Ok(server::serve_on(harness, listeners))
}

/// `fakedesk.<vendor>.url`, `fakedesk.<vendor>.<credential>`, `fakedesk.control.url`.
pub fn scope_of(running: &Running) -> Value {
    let mut m = Map::new();
    m.insert("control".into(), json!({"url": running.url("control")}));
    for v in &running.harness.vendors {
        let mut o = Map::new();
        o.insert("url".into(), Value::String(running.url(v.name())));
        for c in v.credentials() {
            o.insert(c.key.to_lowercase(), Value::String(c.value));
        }
        m.insert(v.name().into(), Value::Object(o));
    }
    Value::Object(m)
}

/// Compares the run's traffic with the scenario's `.snap` file (or writes it).
pub fn check_snapshot(
    loaded: &Loaded,
    running: &Running,
    sut_url: Option<String>,
    update: bool,
) -> Result<(), SnapshotError> {
    let mut urls: Vec<(String, String)> = running
        .addrs
        .keys()
        .map(|name| (running.url(name), format!("fakedesk.{name}.url")))
        .collect();
    if let Some(u) = sut_url {
        urls.push((u, "sut.url".to_owned()));
    }
    let mut redactor = Redactor::new(urls);
    let entries = running
        .harness
        .journal
        .entries(&crate::journal::Filter::default());
    let content = snapshot::traffic(&entries, &mut redactor);
    let snap = loaded.path.with_extension("snap");
    let source = loaded
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match snapshot::check(&snap, &source, &content, update) {
        Ok(Checked::Matched | Checked::Written) => Ok(()),
        Ok(Checked::New { pending }) => Err(SnapshotError::New { pending }),
        Ok(Checked::Mismatch { diff, pending }) => Err(SnapshotError::Differs {
            snap,
            diff,
            pending,
        }),
        Err(source) => Err(SnapshotError::Io { snap, source }),
    }
}

/// Writes the scenario's journal as `DIR/<file stem>-<scenario name>.har`.
pub fn write_har(dir: &Path, loaded: &Loaded, running: &Running) -> Result<(), HarError> {
    let stem = loaded
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let slug: String = format!("{stem}-{}", loaded.name)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let path = dir.join(format!("{slug}.har"));
    let h = &running.harness;
    std::fs::create_dir_all(dir)
        .and_then(|()| {
            crate::server::har::write(&path, &h.journal.entries(&Default::default()), |v| h.url(v))
        })
        .map_err(|source| HarError { path, source })
}

/// A HAR file that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub struct HarError {
    /// The file.
    pub path: PathBuf,
    /// What failed.
    pub source: std::io::Error,
}
