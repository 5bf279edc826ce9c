//! A minimal axum server: the baseline that `benches/serve.sh` compares
//! fakedesk's `GET /api/v2/tickets/{id}.json` against.
//!
//! It serves fixed bytes (a ticket body captured from fakedesk) with
//! `content-type: application/json; charset=utf-8` on
//! `GET /api/v2/tickets/{id}.json`, with no auth, state, journal or rate
//! limits, so the difference in throughput is what fakedesk adds.
//!
//! Usage: `bare_axum BODY_FILE PORT_FILE`. It binds `127.0.0.1:0` and, once
//! listening, writes the chosen port to `PORT_FILE` atomically (a temporary
//! file renamed into place). It stops on Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};

type Error = Box<dyn std::error::Error>;

/// `GET /api/v2/tickets/{id}.json`: the stored body, whatever the id.
async fn show_ticket(State(body): State<Bytes>, Path(segment): Path<String>) -> Response {
    if !segment.ends_with(".json") {
        return StatusCode::NOT_FOUND.into_response();
    }
    (
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response()
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
        return Err("usage: bare_axum BODY_FILE PORT_FILE".into());
    };
    let body = Bytes::from(std::fs::read(&body_file)?);
    let app = Router::new()
        .route("/api/v2/tickets/{segment}", get(show_ticket))
        .with_state(body);

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
