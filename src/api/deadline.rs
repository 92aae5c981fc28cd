//! Connection deadlines: slow or idle clients are cut off.
//!
//! poem's server sets no header-read timeout (hyper has one, but only with a timer poem
//! does not configure), and its idle timeout ends a connection gracefully, which waits
//! for a half-received request forever: a thousand half-sent requests held their
//! connections 25 s and more. So each accepted connection is wrapped in [`TimedIo`],
//! which fails the connection's I/O (hyper then drops it) when
//! - a request's headers have not all arrived `header_read_timeout` after its first
//!   byte (slow-loris: a byte now and then never looks idle), or
//! - nothing has been read or written for `idle_timeout` (keep-alive between requests,
//!   a stalled body, a client that stops reading its response).
//!
//! A request's head ends at the first blank line; the next request starts after the
//! server has written a response. Once the server answers `101 Switching Protocols` the
//! connection is a WebSocket, which keeps its own rules, and no deadline applies. The
//! wrapper sits above TLS, so it sees plain HTTP; a slow TLS handshake meets the idle
//! deadline.

use std::{
    future::Future as _,
    io::{self, IoSlice},
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};

use poem::{
    http::uri::Scheme,
    listener::Acceptor,
    web::{LocalAddr, RemoteAddr},
};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    time::{Instant, Sleep, sleep},
};

const HEAD_END: &[u8] = b"\r\n\r\n";

/// The two deadlines.
#[derive(Debug, Clone, Copy)]
pub struct Deadlines {
    pub header_read: Duration,
    pub idle: Duration,
}

/// An acceptor whose connections carry [`Deadlines`].
pub struct WithDeadlines<A> {
    pub inner: A,
    pub deadlines: Deadlines,
}

impl<A: Acceptor> Acceptor for WithDeadlines<A> {
    type Io = TimedIo<A::Io>;

    fn local_addr(&self) -> Vec<LocalAddr> {
        self.inner.local_addr()
    }

    async fn accept(&mut self) -> io::Result<(Self::Io, LocalAddr, RemoteAddr, Scheme)> {
        let (io, local, remote, scheme) = self.inner.accept().await?;
        Ok((TimedIo::new(io, self.deadlines), local, remote, scheme))
    }
}

/// Where the connection is in its request cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Reading a request's head; `matched` bytes of `\r\n\r\n` seen so far.
    Head { matched: usize },
    /// The head is in: the body, the handler, the response.
    Message,
    /// A WebSocket now: no deadlines.
    Upgraded,
}

/// A connection whose reads and writes fail with `TimedOut` past a deadline.
pub struct TimedIo<T> {
    inner: T,
    deadlines: Deadlines,
    phase: Phase,
    /// Armed at a request's first byte, disarmed at the end of its head.
    head_deadline: Option<Pin<Box<Sleep>>>,
    idle_deadline: Pin<Box<Sleep>>,
}

impl<T> TimedIo<T> {
    fn new(inner: T, deadlines: Deadlines) -> Self {
        Self {
            inner,
            deadlines,
            phase: Phase::Head { matched: 0 },
            head_deadline: None,
            idle_deadline: Box::pin(sleep(deadlines.idle)),
        }
    }

    fn progressed(&mut self) {
        let at = Instant::now() + self.deadlines.idle;
        self.idle_deadline.as_mut().reset(at);
    }

    /// Follows the bytes of a request head, arming and disarming its deadline.
    fn scan_read(&mut self, bytes: &[u8]) {
        let Phase::Head { mut matched } = self.phase else {
            return;
        };
        if bytes.is_empty() {
            return;
        }
        if self.head_deadline.is_none() {
            self.head_deadline = Some(Box::pin(sleep(self.deadlines.header_read)));
        }
        for &b in bytes {
            matched = if b == HEAD_END[matched] {
                matched + 1
            } else if b == HEAD_END[0] {
                1
            } else {
                0
            };
            if matched == HEAD_END.len() {
                self.phase = Phase::Message;
                self.head_deadline = None;
                return;
            }
        }
        self.phase = Phase::Head { matched };
    }

    /// A response starts a new cycle; `101` ends the HTTP part of the connection, and
    /// `100 Continue` is only an interim answer to the same request.
    fn scan_write(&mut self, first: &[u8]) {
        // "HTTP/1.x NNN": a status line (hyper writes each head in one piece).
        if self.phase == Phase::Upgraded || first.len() < 12 || !first.starts_with(b"HTTP/1.") {
            return;
        }
        match &first[9..12] {
            b"101" => {
                self.phase = Phase::Upgraded;
                self.head_deadline = None;
            }
            b"100" => {}
            _ => {
                self.phase = Phase::Head { matched: 0 };
                self.head_deadline = None;
            }
        }
    }

    /// `TimedOut` when a deadline has passed (registering the waker otherwise).
    fn expired(&mut self, cx: &mut Context<'_>) -> Option<io::Error> {
        if self.phase == Phase::Upgraded {
            return None;
        }
        if let Some(head) = self.head_deadline.as_mut()
            && head.as_mut().poll(cx).is_ready()
        {
            return Some(io::Error::new(
                io::ErrorKind::TimedOut,
                "request head not received in time",
            ));
        }
        self.idle_deadline
            .as_mut()
            .poll(cx)
            .is_ready()
            .then(|| io::Error::new(io::ErrorKind::TimedOut, "connection idle for too long"))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for TimedIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let read = &buf.filled()[before..];
                if !read.is_empty() {
                    this.progressed();
                    this.scan_read(read);
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending => match this.expired(cx) {
                Some(e) => Poll::Ready(Err(e)),
                None => Poll::Pending,
            },
            other => other,
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for TimedIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.scan_write(buf);
        let polled = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.after_write(cx, polled)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let Some(first) = bufs.iter().find(|b| !b.is_empty()) {
            this.scan_write(first);
        }
        let polled = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.after_write(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

impl<T> TimedIo<T> {
    /// A write that went through is progress; one stuck on a client that does not read
    /// meets the idle deadline.
    fn after_write(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        match polled {
            Poll::Ready(Ok(n)) => {
                if n > 0 {
                    self.progressed();
                }
                Poll::Ready(Ok(n))
            }
            Poll::Pending => match self.expired(cx) {
                Some(e) => Poll::Ready(Err(e)),
                None => Poll::Pending,
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io() -> TimedIo<()> {
        TimedIo::new(
            (),
            Deadlines {
                header_read: Duration::from_secs(1),
                idle: Duration::from_secs(1),
            },
        )
    }

    #[tokio::test]
    async fn a_head_split_across_reads_is_found_and_a_response_starts_the_next() {
        let mut t = io();
        t.scan_read(b"GET / HTTP/1.1\r\nHost: x\r");
        assert!(t.head_deadline.is_some());
        t.scan_read(b"\n\r");
        assert!(matches!(t.phase, Phase::Head { .. }));
        t.scan_read(b"\nbody");
        assert_eq!(t.phase, Phase::Message);
        assert!(t.head_deadline.is_none());
        t.scan_write(b"HTTP/1.1 100 Continue\r\n");
        assert_eq!(
            t.phase,
            Phase::Message,
            "an interim answer keeps the request"
        );
        t.scan_write(b"HTTP/1.1 200 OK\r\n");
        assert_eq!(t.phase, Phase::Head { matched: 0 });
        t.scan_write(b"HTTP/1.1 101 Switching Protocols\r\n");
        assert_eq!(t.phase, Phase::Upgraded);
    }
}
