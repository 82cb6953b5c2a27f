//! The client address a request is attributed to (login throttling, audit events).
//!
//! The socket's peer address, unless that peer is a proxy the operator declared with
//! `serve --trusted-proxy CIDR`: then `X-Forwarded-For` is read from the right, skipping
//! trusted proxies, and the first address that is not one is the client. A header from
//! an untrusted peer is ignored, so nobody can pick the address they are throttled by.

use std::net::IpAddr;

use ipnet::IpNet;
use poem::web::RemoteAddr;

/// The client's address as text (an IP address, or the peer's description when it
/// has none, e.g. in tests).
pub fn client_address(
    remote: &RemoteAddr,
    forwarded_for: Option<&str>,
    trusted: &[IpNet],
) -> String {
    let Some(peer) = remote.as_socket_addr().map(|a| a.ip()) else {
        return remote.to_string();
    };
    client_ip(peer, forwarded_for, trusted).to_string()
}

fn client_ip(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded_for.unwrap_or("").rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if is_trusted(&ip) => client = ip,
            Ok(ip) => return ip,
            // Garbage from before the trusted chain: the last proxy's view stands.
            Err(_) => return client,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn the_header_counts_only_behind_a_trusted_proxy() {
        let trusted: Vec<IpNet> = vec!["127.0.0.0/8".parse().expect("net")];
        // An untrusted peer cannot choose its address.
        assert_eq!(
            client_ip(ip("10.0.0.5"), Some("1.2.3.4"), &trusted),
            ip("10.0.0.5")
        );
        // Behind the proxy: the rightmost untrusted hop.
        assert_eq!(
            client_ip(
                ip("127.0.0.1"),
                Some("9.9.9.9, 1.2.3.4, 127.0.0.2"),
                &trusted
            ),
            ip("1.2.3.4")
        );
        // A trusted peer without the header is the client itself.
        assert_eq!(client_ip(ip("127.0.0.1"), None, &trusted), ip("127.0.0.1"));
        // Garbage stops the walk at the last trusted hop.
        assert_eq!(
            client_ip(ip("127.0.0.1"), Some("nonsense, 127.0.0.3"), &trusted),
            ip("127.0.0.3")
        );
        // No trusted proxies: the header is never read.
        assert_eq!(
            client_ip(ip("127.0.0.1"), Some("1.2.3.4"), &[]),
            ip("127.0.0.1")
        );
    }
}
