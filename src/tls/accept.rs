//! Inbound TLS as a listener wrapper: [`TlsListener`] accepts like the listener it
//! wraps and hands the serving code a [`TlsStream`], whose handshake runs on the
//! connection's own task at its first read or write, so a slow client never holds
//! up the accept loop.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use axum::serve::Listener;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_rustls::{Accept, TlsAcceptor, server};

/// A listener whose connections speak TLS with `config`.
pub struct TlsListener<L> {
    inner: L,
    acceptor: TlsAcceptor,
}

impl<L> TlsListener<L> {
    /// Wraps `inner`.
    pub fn new(inner: L, config: Arc<rustls::ServerConfig>) -> Self {
        Self {
            inner,
            acceptor: TlsAcceptor::from(config),
        }
    }
}

impl<L> Listener for TlsListener<L>
where
    L: Listener,
    L::Io: NoDelay,
{
    type Io = TlsStream<L::Io>;
    type Addr = L::Addr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (io, addr) = self.inner.accept().await;
        // The handshake is many small writes; Nagle would hold each one back.
        io.no_delay();
        (TlsStream::new(self.acceptor.accept(io)), addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// A transport whose small writes can be sent at once.
pub trait NoDelay {
    /// Switches Nagle's algorithm off, if the transport has it.
    fn no_delay(&self);
}

impl NoDelay for tokio::net::TcpStream {
    fn no_delay(&self) {
        let _ = self.set_nodelay(true);
    }
}

/// A server-side TLS connection, handshaking on first use.
pub struct TlsStream<IO> {
    state: State<IO>,
}

enum State<IO> {
    Handshake(Box<Accept<IO>>),
    Ready(Box<server::TlsStream<IO>>),
    Failed,
}

impl<IO: AsyncRead + AsyncWrite + Unpin> TlsStream<IO> {
    /// A connection whose handshake is `accept`.
    pub fn new(accept: Accept<IO>) -> Self {
        Self {
            state: State::Handshake(Box::new(accept)),
        }
    }

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<&mut server::TlsStream<IO>>> {
        if let State::Handshake(accept) = &mut self.state {
            match ready!(Pin::new(accept.as_mut()).poll(cx)) {
                Ok(s) => self.state = State::Ready(Box::new(s)),
                Err(e) => {
                    tracing::debug!("TLS handshake with a client failed: {e}");
                    self.state = State::Failed;
                    return Poll::Ready(Err(e));
                }
            }
        }
        match &mut self.state {
            State::Ready(s) => Poll::Ready(Ok(s)),
            _ => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "the TLS handshake failed",
            ))),
        }
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncRead for TlsStream<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let s = ready!(self.get_mut().poll_ready(cx))?;
        Pin::new(s).poll_read(cx, buf)
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncWrite for TlsStream<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let s = ready!(self.get_mut().poll_ready(cx))?;
        Pin::new(s).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let s = ready!(self.get_mut().poll_ready(cx))?;
        Pin::new(s).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().state {
            State::Ready(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            _ => Poll::Ready(Ok(())),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let s = ready!(self.get_mut().poll_ready(cx))?;
        Pin::new(s).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }
}
