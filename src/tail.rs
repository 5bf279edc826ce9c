//! `fakedesk tail`: follows a running fakedesk's live journal stream
//! (`GET /journal/stream`) and prints one line per exchange as it happens.

use std::io::Write as _;
use std::time::Duration;

use serde_json::Value;

use crate::cli::TailArgs;

/// How long to wait before connecting again after the stream ended or failed.
const RETRY: Duration = Duration::from_millis(300);

/// Runs until interrupted; returns 2 when the arguments cannot work.
pub async fn main(args: TailArgs) -> i32 {
    let base = args.control.trim_end_matches('/').to_owned();
    if reqwest::Url::parse(&base).is_err() {
        eprintln!("error: `{base}` is not a URL such as http://127.0.0.1:8080");
        return 2;
    }
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap_or_default();
    let mut last_id: Option<u64> = None;
    let mut waiting = false;
    loop {
        match follow(&client, &base, &args, &mut last_id).await {
            Ok(()) => waiting = false,
            Err(Failure::Fatal(e)) => {
                eprintln!("error: {e}");
                return 2;
            }
            Err(Failure::Retry(e)) => {
                if !waiting {
                    eprintln!("waiting for fakedesk at {base} ({e}); Ctrl-C to stop");
                    waiting = true;
                }
            }
        }
        tokio::time::sleep(RETRY).await;
    }
}

enum Failure {
    /// The control API refused the request: retrying cannot help.
    Fatal(String),
    /// Not reachable (yet, or any more).
    Retry(String),
}

/// One connection: prints events until the stream ends.
async fn follow(
    client: &reqwest::Client,
    base: &str,
    args: &TailArgs,
    last_id: &mut Option<u64>,
) -> Result<(), Failure> {
    let mut url = format!("{base}/journal/stream?full={}", args.json);
    if let Some(v) = &args.vendor {
        url.push_str("&vendor=");
        url.extend(form_urlencoded::byte_serialize(v.as_bytes()));
    }
    let mut req = client.get(&url).header("accept", "text/event-stream");
    match *last_id {
        Some(id) => req = req.header("last-event-id", id.to_string()),
        None if !args.all => {
            let since = next_seq(client, base).await?;
            url.push_str(&format!("&since={since}"));
            req = client.get(&url).header("accept", "text/event-stream");
        }
        None => {}
    }
    let mut resp = req
        .send()
        .await
        .map_err(|e| Failure::Retry(e.without_url().to_string()))?;
    if !resp.status().is_success() {
        let status = resp.status();
        let body = resp.text().await.unwrap_or_default();
        return Err(Failure::Fatal(format!("GET {url}: {status}: {body}")));
    }
    let mut parser = Parser::default();
    while let Ok(Some(chunk)) = resp.chunk().await {
        for ev in parser.feed(&chunk) {
            if let Some(id) = ev.id {
                *last_id = Some(id);
            }
            print_event(&ev, args.json);
        }
    }
    Ok(())
}

async fn next_seq(client: &reqwest::Client, base: &str) -> Result<u64, Failure> {
    let resp = client
        .get(format!("{base}/health"))
        .send()
        .await
        .map_err(|e| Failure::Retry(e.without_url().to_string()))?;
    let health: Value = resp
        .json()
        .await
        .map_err(|e| Failure::Fatal(format!("{base}/health is not fakedesk's: {e}")))?;
    Ok(health["journal"]["next_seq"].as_u64().unwrap_or(1))
}

fn print_event(ev: &Event, json: bool) {
    let mut out = std::io::stdout().lock();
    let _ = match (ev.kind.as_str(), json) {
        ("clear", true) => writeln!(out, "{{\"event\":\"clear\"}}"),
        ("clear", false) => writeln!(out, "-- journal cleared"),
        (_, true) => writeln!(out, "{}", ev.data),
        (_, false) => match serde_json::from_str::<Value>(&ev.data) {
            Ok(v) => writeln!(out, "{}", line(&v)),
            Err(_) => Ok(()),
        },
    };
    let _ = out.flush();
}

/// One exchange in one line: time, vendor, direction, method, path or URL, status
/// (or the error), duration, and the attempt of a retried delivery.
pub fn line(e: &Value) -> String {
    let s = |k: &str| e[k].as_str().unwrap_or("");
    let time = s("started_at").get(11..23).unwrap_or("");
    let outbound = s("direction") == "outbound";
    let target = if outbound && !s("url").is_empty() {
        s("url").to_owned()
    } else {
        match s("query") {
            "" => s("path").to_owned(),
            q => format!("{}?{q}", s("path")),
        }
    };
    let status = match (e["status"].as_u64(), s("error")) {
        (Some(code), _) => code.to_string(),
        (None, "") => "---".to_owned(),
        (None, err) => format!("--- {err}"),
    };
    let ms = e["duration_us"].as_u64().unwrap_or(0) as f64 / 1000.0;
    let mut out = format!(
        "{time} {:>5} {:<9} {} {:<6} {target} {status} {ms:.1}ms",
        e["seq"].as_u64().unwrap_or(0),
        s("vendor"),
        if outbound { "->" } else { "<-" },
        s("method"),
    );
    if let Some(n) = e["attempt"].as_u64().filter(|n| *n > 1) {
        out.push_str(&format!(" (attempt {n})"));
    }
    out
}

/// One server-sent event.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Event {
    /// `id:`, when numeric.
    pub id: Option<u64>,
    /// `event:`, `message` when absent.
    pub kind: String,
    /// `data:` lines joined with newlines.
    pub data: String,
}

/// Splits a byte stream into events (the text/event-stream format).
#[derive(Debug, Default)]
pub struct Parser {
    buf: Vec<u8>,
}

impl Parser {
    /// Adds `bytes`; returns every event completed by them.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Event> {
        self.buf.extend_from_slice(bytes);
        let mut events = Vec::new();
        while let Some(end) = self.buf.windows(2).position(|w| w == b"\n\n") {
            let block: Vec<u8> = self.buf.drain(..end + 2).collect();
            let text = String::from_utf8_lossy(&block);
            let mut ev = Event::default();
            let mut data: Vec<&str> = Vec::new();
            for l in text.lines() {
                let (field, value) = l.split_once(':').unwrap_or((l, ""));
                let value = value.strip_prefix(' ').unwrap_or(value);
                match field {
                    "id" => ev.id = value.parse().ok(),
                    "event" => ev.kind = value.to_owned(),
                    "data" => data.push(value),
                    _ => {}
                }
            }
            if data.is_empty() {
                continue;
            }
            ev.data = data.join("\n");
            if ev.kind.is_empty() {
                ev.kind = "message".to_owned();
            }
            events.push(ev);
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_across_chunks_are_put_together_and_comments_skipped() {
        let mut p = Parser::default();
        assert!(p.feed(b": hello\n\nid: 7\nda").is_empty());
        let evs = p.feed(b"ta: {\"a\":1}\n\nevent: clear\ndata: {}\n\n");
        assert_eq!(
            evs,
            [
                Event {
                    id: Some(7),
                    kind: "message".to_owned(),
                    data: "{\"a\":1}".to_owned()
                },
                Event {
                    id: None,
                    kind: "clear".to_owned(),
                    data: "{}".to_owned()
                }
            ]
        );
    }

    #[test]
    fn a_line_names_time_vendor_direction_method_target_status_and_attempt() {
        let e = serde_json::json!({
            "seq": 12, "vendor": "zendesk", "direction": "outbound", "method": "POST",
            "path": "/hook", "url": "http://127.0.0.1:9/hook", "status": null,
            "error": "connection refused", "started_at": "2024-02-08T17:44:38.250Z",
            "duration_us": 1500, "attempt": 2
        });
        assert_eq!(
            line(&e),
            "17:44:38.250    12 zendesk   -> POST   http://127.0.0.1:9/hook --- connection refused 1.5ms (attempt 2)"
        );
    }
}
