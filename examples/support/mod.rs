//! What every example receiver does the same way: listen on 127.0.0.1, say where,
//! serve until SIGTERM or Ctrl-C, and turn the outcome into an exit code.

use std::process::ExitCode;

use axum::Router;

/// Serves `router` on 127.0.0.1:`port` (0: chosen by the OS) and prints one line,
/// `{name} listening on http://127.0.0.1:PORT`, once it listens. Exit codes: 0
/// stopped cleanly, 1 the server failed, 2 the port could not be had.
pub(crate) async fn serve(name: &str, port: u16, router: Router) -> ExitCode {
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("{name}: cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::from(2);
        }
    };
    match listener.local_addr() {
        Ok(addr) => println!("{name} listening on http://{addr}"),
        Err(e) => {
            eprintln!("{name}: {e}");
            return ExitCode::from(2);
        }
    }
    if let Err(e) = axum::serve(listener, router)
        .with_graceful_shutdown(shutdown())
        .await
    {
        eprintln!("{name}: {e}");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

/// Resolves on SIGTERM or Ctrl-C.
pub(crate) async fn shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
