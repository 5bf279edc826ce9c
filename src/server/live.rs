//! Live traffic: `GET /journal/stream` (server-sent events, one per entry) and one
//! entry by its sequence number (`GET /journal/{seq}`).
//!
//! One hub task per harness wakes on the journal's notification, serializes each
//! new entry's summary once, and broadcasts the frames; every connected stream
//! writes the same bytes. The hub runs only while someone listens. A stream that
//! falls behind (or asks for full entries) reads the journal from where it stopped,
//! so nothing is skipped while the journal still holds it.

use std::convert::Infallible;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use axum::body::Body as AxumBody;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::{BufMut, Bytes, BytesMut};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::broadcast::{self, error::RecvError};

use super::reply::{H, error, unknown_vendor};
use crate::clock::iso_millis;
use crate::journal::{Direction, Entry, Filter, Journal};

/// How often an idle stream sends a comment, so proxies and clients keep it open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// Batches the hub keeps for slow streams before they must re-read the journal.
const BACKLOG_BATCHES: usize = 256;

/// The stream hub: the broadcast sender while the hub task runs.
#[derive(Debug)]
pub struct Hub {
    running: Arc<Mutex<Option<broadcast::Sender<Arc<Batch>>>>>,
    /// True once the harness shuts down: every stream ends, so the server's
    /// graceful shutdown does not wait for clients that never hang up.
    closed: tokio::sync::watch::Sender<bool>,
}

impl Default for Hub {
    fn default() -> Self {
        Self {
            running: Arc::default(),
            closed: tokio::sync::watch::Sender::new(false),
        }
    }
}

/// What the hub publishes after one wake-up.
#[derive(Debug)]
pub enum Batch {
    /// New entries' summary frames, in order.
    Entries(Vec<Frame>),
    /// The journal was cleared (numbering restarts at 1).
    Cleared,
}

/// One entry's summary event, ready to write.
#[derive(Debug)]
pub struct Frame {
    seq: u64,
    vendor: &'static str,
    bytes: Bytes,
}

impl Hub {
    /// Ends every live stream, now and from now on.
    pub fn close(&self) {
        self.closed.send_replace(true);
    }

    /// A receiver of the hub's batches, starting the hub if it is not running. The
    /// hub covers every entry recorded from now on.
    fn subscribe(&self, journal: &Arc<Journal>) -> broadcast::Receiver<Arc<Batch>> {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = running.as_ref() {
            return tx.subscribe();
        }
        let (tx, rx) = broadcast::channel(BACKLOG_BATCHES);
        // Subscribed first (an entry recorded from now on notifies), then the cursor
        // taken before the caller reads its backlog: no entry falls between.
        let wake = journal.subscribe();
        let cursor = journal.stats().next_seq;
        *running = Some(tx.clone());
        tokio::spawn(run_hub(
            Arc::downgrade(journal),
            wake,
            tx,
            self.running.clone(),
            cursor,
        ));
        rx
    }
}

/// How long the hub gathers new entries before sending them to the streams.
const BATCH_WINDOW: Duration = Duration::from_millis(25);

type Running = Arc<Mutex<Option<broadcast::Sender<Arc<Batch>>>>>;

async fn run_hub(
    journal: Weak<Journal>,
    mut wake: tokio::sync::watch::Receiver<u64>,
    tx: broadcast::Sender<Arc<Batch>>,
    running: Running,
    mut cursor: u64,
) {
    loop {
        let changed = wake.changed().await;
        // Entries that arrive within one window go out as one batch: under load this
        // is one wake and one write per stream per window, not one per entry.
        if changed.is_ok() {
            tokio::time::sleep(BATCH_WINDOW).await;
        }
        {
            let mut slot = running.lock().unwrap_or_else(|p| p.into_inner());
            if changed.is_err() || tx.receiver_count() == 0 {
                *slot = None;
                return;
            }
        }
        let Some(journal) = journal.upgrade() else {
            return;
        };
        if journal.stats().next_seq < cursor {
            let _ = tx.send(Arc::new(Batch::Cleared));
            cursor = 1;
        }
        let entries = journal.entries(&since(cursor));
        drop(journal);
        if let Some(last) = entries.last() {
            cursor = last.seq + 1;
            let frames = entries.iter().map(|e| summary_frame(e)).collect();
            let _ = tx.send(Arc::new(Batch::Entries(frames)));
        }
    }
}

fn since(seq: u64) -> Filter {
    Filter {
        since: Some(seq),
        ..Filter::default()
    }
}

/// The fields of an entry the live table shows; the rest is at `GET /journal/{seq}`.
#[derive(Serialize)]
struct Summary<'a> {
    seq: u64,
    vendor: &'a str,
    direction: Direction,
    method: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    status: Option<u16>,
    started_at: String,
    duration_us: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attempt: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    delivery: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fault: Option<&'a crate::journal::FaultMark>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    unmatched: bool,
}

fn summary(e: &Entry) -> Summary<'_> {
    let x = &e.exchange;
    Summary {
        seq: e.seq,
        vendor: x.vendor,
        direction: x.direction,
        method: &x.request.method,
        path: &x.request.path,
        query: x.request.query.as_deref(),
        status: x.response.as_ref().map(|r| r.status),
        started_at: iso_millis(x.started_at),
        duration_us: x.duration_us,
        error: x.error.as_deref(),
        url: x.outbound.as_ref().map(|o| o.url.as_str()),
        attempt: x.outbound.as_ref().map(|o| o.attempt),
        delivery: x.outbound.as_ref().map(|o| o.delivery.as_str()),
        fault: x.fault.as_ref(),
        unmatched: x.unmatched,
    }
}

fn event<T: Serialize>(seq: u64, data: &T) -> Bytes {
    let mut out = BytesMut::with_capacity(256).writer();
    let _ = std::io::Write::write_fmt(&mut out, format_args!("id: {seq}\ndata: "));
    let _ = serde_json::to_writer(&mut out, data);
    let mut out = out.into_inner();
    out.put_slice(b"\n\n");
    out.freeze()
}

fn summary_frame(e: &Entry) -> Frame {
    Frame {
        seq: e.seq,
        vendor: e.exchange.vendor,
        bytes: event(e.seq, &summary(e)),
    }
}

const CLEARED: &[u8] = b"event: clear\ndata: {}\n\n";

/// One connected stream.
struct Conn {
    rx: broadcast::Receiver<Arc<Batch>>,
    closed: tokio::sync::watch::Receiver<bool>,
    journal: Arc<Journal>,
    /// The next sequence number this stream has not sent.
    cursor: u64,
    vendor: Option<String>,
    full: bool,
}

impl Conn {
    fn wants(&self, vendor: &str) -> bool {
        self.vendor.as_deref().is_none_or(|v| v == vendor)
    }

    /// Everything from `cursor` on, read from the journal.
    fn catch_up(&mut self) -> BytesMut {
        let mut out = BytesMut::new();
        if self.journal.stats().next_seq < self.cursor {
            out.put_slice(CLEARED);
            self.cursor = 1;
        }
        for e in self.journal.entries(&since(self.cursor)) {
            if self.wants(e.exchange.vendor) {
                if self.full {
                    out.put_slice(&event(e.seq, &*e));
                } else {
                    out.put_slice(&summary_frame(&e).bytes);
                }
            }
            self.cursor = e.seq + 1;
        }
        out
    }

    fn take(&mut self, batch: &Batch) -> BytesMut {
        match batch {
            Batch::Cleared => {
                self.cursor = 1;
                BytesMut::from(CLEARED)
            }
            Batch::Entries(frames) => {
                let gap = frames.iter().find(|f| f.seq >= self.cursor);
                if self.full || gap.is_some_and(|f| f.seq > self.cursor) {
                    return self.catch_up();
                }
                let mut out = BytesMut::new();
                let from = self.cursor;
                for f in frames.iter().filter(|f| f.seq >= from) {
                    if self.wants(f.vendor) {
                        out.put_slice(&f.bytes);
                    }
                    self.cursor = f.seq + 1;
                }
                out
            }
        }
    }

    /// The next bytes to write; `None` once the harness shuts down.
    async fn next(&mut self) -> Option<Bytes> {
        loop {
            let recv = tokio::time::timeout(KEEP_ALIVE, self.rx.recv());
            let got = tokio::select! {
                got = recv => got,
                _ = self.closed.wait_for(|c| *c) => return None,
            };
            let out = match got {
                Err(_) => return Some(Bytes::from_static(b": keep-alive\n\n")),
                Ok(Ok(batch)) => self.take(&batch),
                Ok(Err(RecvError::Lagged(_))) => self.catch_up(),
                Ok(Err(RecvError::Closed)) => return None,
            };
            if !out.is_empty() {
                return Some(out.freeze());
            }
        }
    }
}

/// Query parameters of the stream.
struct StreamQuery {
    vendor: Option<String>,
    since: Option<u64>,
    full: bool,
}

fn parse_stream_query(raw: Option<&str>) -> Result<StreamQuery, String> {
    let mut q = StreamQuery {
        vendor: None,
        since: None,
        full: false,
    };
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "vendor" => q.vendor = Some(v.into_owned()),
            "since" => {
                q.since =
                    Some(v.parse().map_err(|_| {
                        format!("`since` must be a non-negative integer, got `{v}`")
                    })?);
            }
            "full" => q.full = matches!(v.as_ref(), "" | "1" | "true"),
            other => {
                return Err(format!(
                    "unknown parameter `{other}` (known: vendor, since, full)"
                ));
            }
        }
    }
    Ok(q)
}

/// `GET /journal/stream`: every entry as an event (`id:` its sequence number, data
/// its summary, or the whole entry with `full=true`), the journal's current entries
/// first. Resumes after `Last-Event-ID` (or `since`); a clear is `event: clear`.
pub async fn stream(State(h): H, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let q = match parse_stream_query(q.as_deref()) {
        Ok(q) => q,
        Err(e) => return error(StatusCode::BAD_REQUEST, e, Value::Null),
    };
    if let Some(v) = q.vendor.as_deref().filter(|v| h.vendor(v).is_none()) {
        return unknown_vendor(&h, v);
    }
    let last_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let cursor = last_id.map_or_else(|| q.since.unwrap_or(1), |id| id + 1);
    let rx = h.live.subscribe(&h.journal);
    let mut conn = Conn {
        rx,
        closed: h.live.closed.subscribe(),
        journal: h.journal.clone(),
        cursor,
        vendor: q.vendor,
        full: q.full,
    };
    // A comment first, so the client sees the stream open even on an empty journal.
    let mut first = BytesMut::from(&b": fakedesk journal\n\n"[..]);
    first.put(conn.catch_up());
    let body = futures_util::stream::unfold(
        (Some(first.freeze()), conn),
        |(first, mut conn)| async move {
            let chunk = match first {
                Some(b) => b,
                None => conn.next().await?,
            };
            Some((Ok::<_, Infallible>(chunk), (None, conn)))
        },
    );
    let mut resp = AxumBody::from_stream(body).into_response();
    let hs = resp.headers_mut();
    hs.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    hs.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}

/// The entry numbered `seq`, or the control API's 404.
pub(super) fn find(h: &super::Harness, seq: &str) -> Result<Arc<Entry>, Box<Response>> {
    let missing = |what: String| {
        Box::new(error(
            StatusCode::NOT_FOUND,
            what,
            json!({"next_seq": h.journal.stats().next_seq}),
        ))
    };
    let Ok(n) = seq.parse::<u64>() else {
        return Err(missing(format!("`{seq}` is not a journal sequence number")));
    };
    let filter = Filter {
        since: Some(n),
        limit: Some(1),
        ..Filter::default()
    };
    h.journal
        .entries(&filter)
        .into_iter()
        .find(|e| e.seq == n)
        .ok_or_else(|| {
            missing(format!(
                "no journal entry {n} (evicted, cleared or not yet recorded)"
            ))
        })
}

/// `GET /journal/{seq}`: one whole entry.
pub async fn entry(State(h): H, Path(seq): Path<String>) -> Response {
    match find(&h, &seq) {
        Ok(e) => axum::Json(&*e).into_response(),
        Err(r) => *r,
    }
}
