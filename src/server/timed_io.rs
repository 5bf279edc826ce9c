//! Read timeouts of one connection, as a wrapper around its byte stream.
//!
//! [`TimedIo`] sits between the socket (or a TLS stream) and the HTTP server. It
//! knows three phases from what it reads and from the connection's request counters
//! ([`ConnState`], shared with the per-connection service):
//!
//! - waiting for a request (a fresh connection, or a kept-alive one after its last
//!   answer): closed quietly after the keep-alive timeout (the header timeout for a
//!   connection that never sent a byte);
//! - reading a request's header, from its first byte: when it is not complete
//!   within the header timeout, a prepared 408 is written and the connection ends;
//! - a request in progress (the service has it): no read deadline here; a pause in
//!   its body is the record layer's business (408 in the vendor's envelope).
//!
//! A deadline is only looked at when a read would wait, and the timer is re-armed
//! only when it must fire earlier than it is set to, so a busy kept-alive connection
//! costs no timer work per request.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

use crate::config::Timeouts;

/// Requests the service has started and finished answering on one connection,
/// and when the last one finished.
#[derive(Debug)]
pub struct ConnState {
    opened: Instant,
    started: AtomicU64,
    finished: AtomicU64,
    /// Nanoseconds from `opened` to the last answer's end.
    finished_at: AtomicU64,
}

impl Default for ConnState {
    fn default() -> Self {
        Self {
            opened: Instant::now(),
            started: AtomicU64::new(0),
            finished: AtomicU64::new(0),
            finished_at: AtomicU64::new(0),
        }
    }
}

impl ConnState {
    /// The service took a request.
    pub fn start(self: &Arc<Self>) -> Finished {
        self.started.fetch_add(1, Ordering::Relaxed);
        Finished(self.clone())
    }

    fn counts(&self) -> (u64, u64) {
        (
            self.started.load(Ordering::Acquire),
            self.finished.load(Ordering::Acquire),
        )
    }

    fn last_finished(&self) -> Instant {
        self.opened + std::time::Duration::from_nanos(self.finished_at.load(Ordering::Relaxed))
    }
}

/// Marks its request finished when dropped (with the response body, once sent).
#[derive(Debug)]
pub struct Finished(Arc<ConnState>);

impl Drop for Finished {
    fn drop(&mut self) {
        let at = u64::try_from(self.0.opened.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.0.finished_at.store(at, Ordering::Relaxed);
        self.0.finished.fetch_add(1, Ordering::Release);
    }
}

/// What a connection answers when a request's header stalls: the bytes to write,
/// given the start of what was received (the timeout is journaled there).
pub trait StallReply: Send + Sync {
    /// The complete HTTP response to write before closing.
    fn reply(&self, received: &[u8]) -> Bytes;
}

/// How many bytes of a stalled header are kept to name the request.
const PREFIX: usize = 128;

enum Phase {
    /// Waiting for a request; `fresh` until the first one.
    Waiting { since: Instant, fresh: bool },
    /// A request's header is arriving.
    Head { since: Instant },
    /// The service has the request.
    Busy,
    /// Writing the 408, then the end.
    Refusing { reply: Bytes, written: usize },
    /// Reads end here.
    Closed,
}

/// A byte stream with the connection's read timeouts.
pub struct TimedIo<IO> {
    io: IO,
    state: Arc<ConnState>,
    timeouts: Timeouts,
    stall: Arc<dyn StallReply>,
    phase: Phase,
    seen: u64,
    prefix: [u8; PREFIX],
    prefix_len: usize,
    sleep: Pin<Box<Sleep>>,
}

impl<IO> TimedIo<IO> {
    /// Wraps a freshly accepted stream.
    pub fn new(
        io: IO,
        state: Arc<ConnState>,
        timeouts: Timeouts,
        stall: Arc<dyn StallReply>,
    ) -> Self {
        let now = Instant::now();
        Self {
            io,
            state,
            timeouts,
            stall,
            phase: Phase::Waiting {
                since: now,
                fresh: true,
            },
            seen: 0,
            prefix: [0; PREFIX],
            prefix_len: 0,
            sleep: Box::pin(tokio::time::sleep_until(now + timeouts.header)),
        }
    }

    /// Follows the service's counters: a request taken since the last look means
    /// its header is complete; all answered means waiting again.
    fn sync(&mut self) {
        if matches!(self.phase, Phase::Refusing { .. } | Phase::Closed) {
            return;
        }
        let (started, finished) = self.state.counts();
        let busy = started != finished;
        if started != self.seen {
            self.seen = started;
            self.phase = Phase::Busy;
        }
        if matches!(self.phase, Phase::Busy) && !busy {
            self.phase = Phase::Waiting {
                since: self.state.last_finished(),
                fresh: false,
            };
        }
    }

    fn received(&mut self, bytes: &[u8]) {
        match self.phase {
            Phase::Waiting { .. } => {
                self.phase = Phase::Head {
                    since: Instant::now(),
                };
                self.prefix_len = 0;
            }
            Phase::Head { .. } => {}
            _ => return,
        }
        let take = (PREFIX - self.prefix_len).min(bytes.len());
        self.prefix[self.prefix_len..self.prefix_len + take].copy_from_slice(&bytes[..take]);
        self.prefix_len += take;
    }

    /// The deadline of the current phase, and whether passing it ends the phase
    /// (rather than only calling for another look).
    fn deadline(&self) -> Option<(Instant, bool)> {
        match self.phase {
            Phase::Waiting { since, fresh: true } => Some((since + self.timeouts.header, true)),
            Phase::Waiting { since, .. } => Some((since + self.timeouts.keep_alive, true)),
            Phase::Head { since } => Some((since + self.timeouts.header, true)),
            // The answer may end without this stream being read again: look again
            // by then, so the keep-alive deadline starts (from the answer's end).
            Phase::Busy => Some((Instant::now() + self.timeouts.keep_alive, false)),
            _ => None,
        }
    }

    /// The deadline passed: a started header gets the 408, anything else ends.
    fn expire(&mut self) {
        self.phase = match self.phase {
            Phase::Head { .. } => Phase::Refusing {
                reply: self.stall.reply(&self.prefix[..self.prefix_len]),
                written: 0,
            },
            _ => Phase::Closed,
        };
    }
}

impl<IO: AsyncWrite + Unpin> TimedIo<IO> {
    /// Writes the 408; ready once it is out (or the peer is gone).
    fn poll_refuse(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        while let Phase::Refusing { reply, written } = &mut self.phase {
            if *written == reply.len() {
                let _ = ready!(Pin::new(&mut self.io).poll_flush(cx));
                self.phase = Phase::Closed;
                break;
            }
            match ready!(Pin::new(&mut self.io).poll_write(cx, &reply[*written..])) {
                Ok(n) if n > 0 => *written += n,
                _ => self.phase = Phase::Closed,
            }
        }
        Poll::Ready(())
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncRead for TimedIo<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if matches!(this.phase, Phase::Refusing { .. }) {
                ready!(this.poll_refuse(cx));
            }
            if matches!(this.phase, Phase::Closed) {
                // The end of the stream: the server closes the connection.
                return Poll::Ready(Ok(()));
            }
            this.sync();
            let before = buf.filled().len();
            if let Poll::Ready(result) = Pin::new(&mut this.io).poll_read(cx, buf) {
                if result.is_ok() && buf.filled().len() > before {
                    this.received(&buf.filled()[before..]);
                }
                return Poll::Ready(result);
            }
            let Some((deadline, ends)) = this.deadline() else {
                return Poll::Pending;
            };
            if ends && Instant::now() >= deadline {
                this.expire();
                continue;
            }
            if this.sleep.is_elapsed() || (ends && this.sleep.deadline() > deadline) {
                this.sleep.as_mut().reset(deadline);
            }
            if this.sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            // The timer fired; look again (it may have been set for an earlier phase).
        }
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for TimedIo<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}
