//! An acceptor that turns Nagle's algorithm off on every accepted connection.
//!
//! poem leaves `TCP_NODELAY` unset, so a small response (a WebSocket event, a 202) can sit
//! in the kernel until the peer's delayed ACK: the voice benchmark measured 25–30 ms of a
//! 45 ms turn spent there (docs/benchmarks.md). Everything Execora sends is small and
//! latency-bound, so it is always off.

use poem::{
    http::uri::Scheme,
    listener::Acceptor,
    web::{LocalAddr, RemoteAddr},
};
use tokio::net::TcpStream;

pub struct NoDelay<A>(pub A);

impl<A: Acceptor<Io = TcpStream>> Acceptor for NoDelay<A> {
    type Io = TcpStream;

    fn local_addr(&self) -> Vec<LocalAddr> {
        self.0.local_addr()
    }

    async fn accept(&mut self) -> std::io::Result<(TcpStream, LocalAddr, RemoteAddr, Scheme)> {
        let (io, local, remote, scheme) = self.0.accept().await?;
        if let Err(e) = io.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
        Ok((io, local, remote, scheme))
    }
}
