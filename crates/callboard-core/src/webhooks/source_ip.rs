//! Exotel's optional source-address allow-list. Exotel signs nothing, so besides the path secret an install
//! may list the addresses Exotel calls from (`CALLBOARD_EXOTEL_ALLOWED_IPS="1.2.3.4, 10.0.0.0/8"`). Behind a
//! tunnel the TCP peer is the local tunnel agent, so the client address is the right-most
//! `X-Forwarded-For` entry, the one the agent appended; entries further left are whatever the client sent
//! and are never trusted. A peer that is not loopback is taken as it is, whatever the headers say.

use std::{
    fmt,
    net::{IpAddr, SocketAddr},
    str::FromStr,
};

use axum::http::HeaderMap;

/// One address or CIDR range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Range {
    base: IpAddr,
    prefix: u8,
}

impl Range {
    fn contains(&self, ip: IpAddr) -> bool {
        match (self.base, canonical(ip)) {
            (IpAddr::V4(base), IpAddr::V4(ip)) => prefix_eq(&base.octets(), &ip.octets(), self.prefix),
            (IpAddr::V6(base), IpAddr::V6(ip)) => prefix_eq(&base.octets(), &ip.octets(), self.prefix),
            _ => false,
        }
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`, what a dual-stack socket reports) compare as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn prefix_eq(a: &[u8], b: &[u8], prefix: u8) -> bool {
    let (bytes, bits) = (usize::from(prefix / 8), prefix % 8);
    if a[..bytes] != b[..bytes] {
        return false;
    }
    if bits == 0 {
        return true;
    }
    let mask = 0xffu8 << (8 - bits);
    a[bytes] & mask == b[bytes] & mask
}

/// The addresses allowed to call the Exotel routes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpAllowList(Vec<Range>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{entry}' is not an IP address or CIDR range (e.g. 203.0.113.7 or 203.0.113.0/24)")]
pub struct BadEntry {
    pub entry: String,
}

impl FromStr for IpAllowList {
    type Err = BadEntry;

    /// Entries separated by commas or white space.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let ranges = s
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|e| !e.is_empty())
            .map(|entry| parse_range(entry).ok_or_else(|| BadEntry { entry: entry.into() }))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(IpAllowList(ranges))
    }
}

fn parse_range(entry: &str) -> Option<Range> {
    let (addr, prefix) = match entry.split_once('/') {
        Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
        None => (entry, None),
    };
    let base = canonical(addr.parse::<IpAddr>().ok()?);
    let max = if base.is_ipv4() { 32 } else { 128 };
    let prefix = prefix.unwrap_or(max);
    (prefix <= max).then_some(Range { base, prefix })
}

impl fmt::Display for IpAllowList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|r| format!("{}/{}", r.base, r.prefix))
            .collect();
        f.write_str(&parts.join(", "))
    }
}

impl IpAllowList {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `ip` is on the list.
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|r| r.contains(ip))
    }
}

/// The address a request came from: the peer, or behind a local tunnel agent the address it reports.
pub fn client_ip(peer: Option<SocketAddr>, headers: &HeaderMap) -> Option<IpAddr> {
    let peer = canonical(peer?.ip());
    if !peer.is_loopback() {
        return Some(peer);
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .next_back()
        .map(str::trim);
    match forwarded {
        Some(last) => last.parse::<IpAddr>().ok().map(canonical),
        None => Some(peer),
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use proptest::prelude::*;

    use super::*;

    fn list(s: &str) -> IpAllowList {
        s.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn addresses_and_ranges_match() {
        let l = list("203.0.113.7, 10.0.0.0/8 2001:db8::/32");
        for (ip, ok) in [
            ("203.0.113.7", true),
            ("203.0.113.8", false),
            ("10.200.1.1", true),
            ("11.0.0.1", false),
            ("2001:db8::1", true),
            ("2001:db9::1", false),
            ("::ffff:10.1.2.3", true),
        ] {
            let ip: IpAddr = ip.parse().unwrap_or_else(|e| panic!("{ip}: {e}"));
            assert_eq!(l.allows(ip), ok, "{ip}");
        }
    }

    #[test]
    fn bad_entries_are_named() {
        for bad in ["10.0.0.300", "10.0.0.0/33", "example.com", "::/129", "1.2.3.4/x"] {
            let err = bad.parse::<IpAllowList>().err();
            assert_eq!(err, Some(BadEntry { entry: bad.into() }));
        }
        assert!(list(" , ").is_empty());
    }

    #[test]
    fn behind_a_tunnel_the_last_forwarded_address_counts() {
        let mut h = HeaderMap::new();
        let local = "127.0.0.1:5000".parse().ok();
        assert_eq!(client_ip(local, &h), "127.0.0.1".parse().ok());
        h.append(
            "x-forwarded-for",
            "6.6.6.6, 198.51.100.4".parse().expect("header"),
        );
        assert_eq!(client_ip(local, &h), "198.51.100.4".parse().ok());
        h.append("x-forwarded-for", "192.0.2.1".parse().expect("header"));
        assert_eq!(client_ip(local, &h), "192.0.2.1".parse().ok());
        // A remote peer is itself, whatever it claims.
        assert_eq!(
            client_ip("198.51.100.9:1".parse().ok(), &h),
            "198.51.100.9".parse().ok()
        );
        assert_eq!(client_ip(None, &h), None);
    }

    proptest! {
        #[test]
        fn a_range_contains_exactly_the_addresses_sharing_its_prefix(base: u32, ip: u32, prefix in 0u8..=32) {
            let l = list(&format!("{}/{prefix}", Ipv4Addr::from(base)));
            let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
            prop_assert_eq!(l.allows(IpAddr::V4(Ipv4Addr::from(ip))), base & mask == ip & mask);
        }

        #[test]
        fn parsing_any_text_never_panics(s in "\\PC{0,40}") {
            let _ = s.parse::<IpAllowList>();
        }
    }
}
