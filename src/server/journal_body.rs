//! `GET /journal`'s body, serialized as it is sent: a page of entries is taken
//! from the journal at once (pointers only), and each entry is written to JSON
//! only when the connection can take more, a few at a time. A reader costs its
//! page's pointers and one chunk, whatever the entries hold.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::HttpBody;
use bytes::Bytes;
use serde::Serialize;

use crate::journal::{Entry, Page, Stats};

/// A chunk is sent once it holds this many bytes (or the entries run out).
const CHUNK: usize = 64 * 1024;

/// The streamed `{"entries": [...], "next_since": N, "more": B, "stats": {...}}`.
pub(super) struct JournalBody {
    entries: VecDeque<Arc<Entry>>,
    opened: bool,
    written: usize,
    tail: Option<Vec<u8>>,
}

#[derive(Serialize)]
struct Tail<'a> {
    next_since: u64,
    more: bool,
    stats: &'a Stats,
}

impl JournalBody {
    /// The body for `page`, with the journal's `stats` at the end.
    pub(super) fn new(page: Page, stats: &Stats) -> Self {
        let tail = Tail {
            next_since: page.next_since,
            more: page.more,
            stats,
        };
        // `],` then the tail object's fields, without its opening brace.
        let mut end = b"],".to_vec();
        let fields = serde_json::to_vec(&tail).unwrap_or_else(|_| b"{}".to_vec());
        end.extend_from_slice(&fields[1..]);
        Self {
            entries: page.entries.into(),
            opened: false,
            written: 0,
            tail: Some(end),
        }
    }

    fn next_chunk(&mut self) -> Option<Bytes> {
        let mut out = Vec::with_capacity(CHUNK + 1024);
        if !self.opened {
            self.opened = true;
            out.extend_from_slice(b"{\"entries\":[");
        } else if self.entries.is_empty() {
            return self.tail.take().map(Bytes::from);
        }
        while out.len() < CHUNK {
            let Some(entry) = self.entries.pop_front() else {
                break;
            };
            if self.written > 0 {
                out.push(b',');
            }
            self.written += 1;
            // A failure here is a bug in an entry's serializer: write null rather
            // than a broken document.
            let mark = out.len();
            if serde_json::to_writer(&mut out, &*entry).is_err() {
                out.truncate(mark);
                out.extend_from_slice(b"null");
            }
        }
        Some(Bytes::from(out))
    }
}

impl HttpBody for JournalBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        Poll::Ready(
            self.get_mut()
                .next_chunk()
                .map(|c| Ok(http_body::Frame::data(c))),
        )
    }

    fn is_end_stream(&self) -> bool {
        self.opened && self.entries.is_empty() && self.tail.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{Body, Direction, Exchange, Headers, Journal, RequestRecord};

    fn body_text(mut body: JournalBody) -> (String, usize) {
        let mut text = Vec::new();
        let mut chunks = 0;
        while let Some(c) = body.next_chunk() {
            text.extend_from_slice(&c);
            chunks += 1;
        }
        (String::from_utf8(text).unwrap(), chunks)
    }

    #[test]
    fn the_streamed_document_is_the_page_and_its_stats_in_bounded_chunks() {
        let j = Journal::new(1000);
        for i in 0..300 {
            j.record(Exchange {
                vendor: "acme",
                direction: Direction::Inbound,
                request: RequestRecord {
                    method: "POST".to_owned(),
                    path: format!("/{i}"),
                    query: None,
                    headers: Headers::default(),
                    body: Body(Bytes::from(vec![b'x'; 1000])),
                    truncated: false,
                    account: None,
                },
                response: None,
                error: None,
                outbound: None,
                fault: None,
                unmatched: false,
                started_at: time::OffsetDateTime::UNIX_EPOCH,
                duration_us: 0,
            });
        }
        let page = j.page(&crate::journal::Filter {
            limit: Some(250),
            ..Default::default()
        });
        let (text, chunks) = body_text(JournalBody::new(page, &j.stats()));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["entries"].as_array().unwrap().len(), 250);
        assert_eq!(v["entries"][249]["path"], "/249");
        assert_eq!(
            (v["next_since"].clone(), v["more"].clone()),
            (251.into(), true.into())
        );
        assert_eq!(v["stats"]["len"], 300);
        // 250 entries of about 1.3 kB each: several chunks, none much over CHUNK.
        assert!(chunks >= 5, "{chunks}");
        let empty = JournalBody::new(Page::default(), &j.stats());
        let v: serde_json::Value = serde_json::from_str(&body_text(empty).0).unwrap();
        assert_eq!(v["entries"], serde_json::json!([]));
    }
}
