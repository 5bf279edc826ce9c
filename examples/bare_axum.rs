//! A minimal axum server: the baseline that `benches/serve.sh` compares
//! fakedesk's `GET /api/v2/tickets/{id}.json` against.
//!
//! It serves fixed bytes on `GET /api/v2/tickets/{id}.json`: a ticket body
//! captured from fakedesk and, when given a headers file, the headers fakedesk
//! sent with it (one `name: value` per line), so a client receives the same
//! bytes from both and spends the same on them. Without a headers file it sends
//! `content-type: application/json; charset=utf-8` only. It has no auth, state,
//! journal or rate limits, so the difference in throughput is what fakedesk adds.
//!
//! Usage: `bare_axum BODY_FILE PORT_FILE [HEADERS_FILE]`. It binds `127.0.0.1:0` and, once
//! listening, writes the chosen port to `PORT_FILE` atomically (a temporary
//! file renamed into place). It stops on Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};

type Error = Box<dyn std::error::Error>;

/// What every answer is: the headers (built once) and the body. Shared behind an
/// `Arc`: axum clones the state for every request.
struct Canned {
    headers: HeaderMap,
    body: Bytes,
}

/// `GET /api/v2/tickets/{id}.json`: the stored headers and body, whatever the id.
async fn show_ticket(State(canned): State<Arc<Canned>>, Path(segment): Path<String>) -> Response {
    if !segment.ends_with(".json") {
        return StatusCode::NOT_FOUND.into_response();
    }
    // The prepared map replaces the empty one whole: `(HeaderMap, body)` would
    // insert its headers one by one.
    let mut res = canned.body.clone().into_response();
    *res.headers_mut() = canned.headers.clone();
    res
}

/// The headers of `file` (`name: value` lines); `content-length` and `date` are
/// left to the server, as fakedesk leaves them.
fn headers_of(file: Option<std::ffi::OsString>) -> Result<HeaderMap, Error> {
    let mut headers = HeaderMap::new();
    let Some(file) = file else {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        return Ok(headers);
    };
    for line in std::fs::read_to_string(file)?.lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = HeaderName::from_bytes(name.trim().as_bytes())?;
        if name != header::CONTENT_LENGTH && name != header::DATE {
            headers.append(name, HeaderValue::from_str(value.trim())?);
        }
    }
    Ok(headers)
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown() {
    let Ok(mut term) = signal(SignalKind::terminate()) else {
        let _ = tokio::signal::ctrl_c().await;
        return;
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let mut args = std::env::args_os().skip(1);
    let (Some(body_file), Some(port_file)) = (args.next(), args.next()) else {
        return Err("usage: bare_axum BODY_FILE PORT_FILE [HEADERS_FILE]".into());
    };
    let canned = Arc::new(Canned {
        headers: headers_of(args.next())?,
        body: Bytes::from(std::fs::read(&body_file)?),
    });
    let app = Router::new()
        .route("/api/v2/tickets/{segment}", get(show_ticket))
        .with_state(canned);

    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let port = listener.local_addr()?.port();
    let port_file = PathBuf::from(port_file);
    let mut tmp = port_file.clone().into_os_string();
    tmp.push(".tmp");
    std::fs::write(&tmp, format!("{port}\n"))?;
    std::fs::rename(&tmp, &port_file)?;

    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await?;
    Ok(())
}
