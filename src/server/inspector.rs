//! The inspector: one page, its stylesheet and its script, embedded in the binary
//! (no build step, nothing fetched from elsewhere). The page reads everything
//! through the control API.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

const PAGE: &str = include_str!("inspector/index.html");
const FILES: &[(&str, &str, &str)] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("inspector/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("inspector/app.js"),
    ),
];

fn text(content_type: &'static str, body: &'static str) -> Response {
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}

/// `GET /`: the page.
pub async fn page() -> Response {
    let mut resp = text("text/html; charset=utf-8", PAGE);
    // Nothing but this origin: the page works offline and loads nothing else.
    resp.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; img-src 'self' data:"),
    );
    resp
}

/// `GET /inspector/{file}`: the stylesheet or the script.
pub async fn asset(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, ctype, body)) => text(ctype, body),
        None => super::reply::error(
            StatusCode::NOT_FOUND,
            format!("no inspector file `{file}`"),
            Value::from(FILES.iter().map(|(n, _, _)| *n).collect::<Vec<_>>()),
        ),
    }
}
