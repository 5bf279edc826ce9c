//! The per-connection switch a fault uses to end a connection its own way.
//!
//! Every accepted vendor connection is a [`SwitchedIo`]: the socket plus a switch.
//! A response that carries a [`Kill`] extension flips the connection's switch (see
//! [`Watched`]) before the server writes a byte of it; from then on every write
//! fails, so the server drops the connection. For [`Kill::Reset`] the socket is
//! closed with `SO_LINGER` 0, which sends a TCP reset instead of a FIN.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::response::Response;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// How a fault ends the connection that carries its response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kill {
    /// Close it without writing (FIN).
    Drop,
    /// Reset it (RST).
    Reset,
}

const OPEN: u8 = 0;
const DROP: u8 = 1;
const RESET: u8 = 2;

/// A connection's switch.
#[derive(Debug, Clone, Default)]
pub struct Switch(Arc<AtomicU8>);

impl Switch {
    /// Ends the connection as `kill` says, at its next write.
    pub fn trip(&self, kill: Kill) {
        let v = match kill {
            Kill::Drop => DROP,
            Kill::Reset => RESET,
        };
        self.0.store(v, Ordering::Relaxed);
    }

    fn state(&self) -> u8 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A vendor listener whose connections carry a [`Switch`].
#[derive(Debug)]
pub struct SwitchedListener(pub TcpListener);

impl axum::serve::Listener for SwitchedListener {
    type Io = SwitchedIo;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (SwitchedIo, SocketAddr) {
        let (io, addr) = axum::serve::Listener::accept(&mut self.0).await;
        (
            SwitchedIo {
                io,
                switch: Switch::default(),
            },
            addr,
        )
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

/// A socket with its switch.
#[derive(Debug)]
pub struct SwitchedIo {
    io: TcpStream,
    switch: Switch,
}

impl SwitchedIo {
    /// `io` with a switch of its own, open.
    pub fn new(io: TcpStream) -> Self {
        Self {
            io,
            switch: Switch::default(),
        }
    }

    /// The connection's switch.
    pub fn switch(&self) -> Switch {
        self.switch.clone()
    }

    fn refuse(&self) -> Option<io::Error> {
        match self.switch.state() {
            OPEN => None,
            DROP => Some(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "dropped by a fault",
            )),
            _ => Some(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "reset by a fault",
            )),
        }
    }
}

impl Drop for SwitchedIo {
    fn drop(&mut self) {
        if self.switch.state() == RESET {
            // Linger 0: closing sends RST and discards anything unsent.
            let _ = socket2::SockRef::from(&self.io).set_linger(Some(Duration::ZERO));
        }
    }
}

impl AsyncRead for SwitchedIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for SwitchedIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Some(e) = self.refuse() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if let Some(e) = self.refuse() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.refuse().is_some() {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// A response future that trips its connection's switch when the response carries
/// a [`Kill`]. For a response without extensions this is one check of an empty map.
pub struct Watched<F> {
    future: F,
    switch: Switch,
}

impl<F> Watched<F> {
    /// Watches `future`'s response for `switch`'s connection.
    pub fn new(future: F, switch: Switch) -> Self {
        Self { future, switch }
    }
}

impl<F, E> Future for Watched<F>
where
    F: Future<Output = Result<Response, E>> + Unpin,
{
    type Output = Result<Response, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let out = ready!(Pin::new(&mut self.future).poll(cx));
        if let Ok(res) = &out
            && let Some(kill) = res.extensions().get::<Kill>()
        {
            self.switch.trip(*kill);
        }
        Poll::Ready(out)
    }
}
