//! Works around a start-up race in poem's rustls acceptor: `RustlsAcceptor::accept`
//! `select!`s between loading its TLS config and accepting a TCP connection, and a
//! connection accepted before the config is loaded is dropped ("no valid tls config"). A
//! client that connects right when `serve` says it listens (scripts, health checks) then
//! sees "connection reset" about half the time.
//!
//! [`ConfigFirst`] wraps the TCP listener so that the very first `accept` yields once
//! before accepting: the config (always ready at once for a fixed certificate) wins that
//! first `select!`, and every later accept goes straight through. It changes nothing else.

use std::io::Result as IoResult;

use poem::http::uri::Scheme;
use poem::listener::{Acceptor, Listener};
use poem::web::{LocalAddr, RemoteAddr};

/// A listener whose acceptor yields once before its first accept.
pub struct ConfigFirst<L>(pub L);

impl<L: Listener> Listener for ConfigFirst<L> {
    type Acceptor = ConfigFirstAcceptor<L::Acceptor>;

    async fn into_acceptor(self) -> IoResult<Self::Acceptor> {
        Ok(ConfigFirstAcceptor {
            inner: self.0.into_acceptor().await?,
            yielded: false,
        })
    }
}

pub struct ConfigFirstAcceptor<A> {
    inner: A,
    yielded: bool,
}

impl<A: Acceptor> Acceptor for ConfigFirstAcceptor<A> {
    type Io = A::Io;

    fn local_addr(&self) -> Vec<LocalAddr> {
        self.inner.local_addr()
    }

    async fn accept(&mut self) -> IoResult<(Self::Io, LocalAddr, RemoteAddr, Scheme)> {
        if !self.yielded {
            self.yielded = true;
            tokio::task::yield_now().await;
        }
        self.inner.accept().await
    }
}
