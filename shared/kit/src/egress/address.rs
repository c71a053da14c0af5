//! Which addresses an outgoing URL (a bundle URL, a webhook) may point at. Refused unless an operator allows them:
//! loopback, "this network" (0.0.0.0/8), private ranges (10/8, 172.16/12, 192.168/16),
//! carrier-grade NAT (100.64/10), link-local and cloud metadata (169.254/16, fe80::/10),
//! unique-local IPv6 (fc00::/7, which holds fd00:ec2::254), documentation, benchmarking,
//! multicast and reserved ranges, and IPv6 forms that embed an IPv4 address (mapped,
//! compatible, NAT64, 6to4, Teredo), judged by the address they embed or refused outright.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// An address block, `10.0.0.0/8` or `::1/128`; a bare address is a block of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                prefix_match(&net.octets(), &ip.octets(), self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                prefix_match(&net.octets(), &ip.octets(), self.prefix)
            }
            _ => false,
        }
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (a, p) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let addr = canonical(
            IpAddr::from_str(a).map_err(|_| format!("{s:?} is not an address or CIDR block"))?,
        );
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|n| *n <= max)
                .ok_or_else(|| format!("{s:?}: prefix must be 0 to {max}"))?,
            None => max,
        };
        Ok(Self { addr, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

fn prefix_match(a: &[u8], b: &[u8], prefix: u8) -> bool {
    let full = usize::from(prefix / 8);
    if a[..full] != b[..full] {
        return false;
    }
    let rest = prefix % 8;
    if rest == 0 {
        return true;
    }
    let mask = 0xffu8 << (8 - rest);
    (a[full] & mask) == (b[full] & mask)
}

/// An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is the IPv4 address it maps.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// Why an address is refused, or `None` when a public address.
pub fn forbidden_reason(ip: IpAddr) -> Option<&'static str> {
    match canonical(ip) {
        IpAddr::V4(v4) => v4_reason(v4),
        IpAddr::V6(v6) => v6_reason(v6),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u8) -> bool {
    prefix_match(&net, &ip.octets(), prefix)
}

fn v4_reason(ip: Ipv4Addr) -> Option<&'static str> {
    const BLOCKS: &[([u8; 4], u8, &str)] = &[
        ([0, 0, 0, 0], 8, "\"this network\" (0.0.0.0/8)"),
        ([10, 0, 0, 0], 8, "private (10.0.0.0/8)"),
        ([100, 64, 0, 0], 10, "carrier-grade NAT (100.64.0.0/10)"),
        ([127, 0, 0, 0], 8, "loopback (127.0.0.0/8)"),
        (
            [169, 254, 0, 0],
            16,
            "link-local or cloud metadata (169.254.0.0/16)",
        ),
        ([172, 16, 0, 0], 12, "private (172.16.0.0/12)"),
        (
            [192, 0, 0, 0],
            24,
            "IETF protocol assignments (192.0.0.0/24)",
        ),
        ([192, 0, 2, 0], 24, "documentation (192.0.2.0/24)"),
        ([192, 88, 99, 0], 24, "6to4 relay (192.88.99.0/24)"),
        ([192, 168, 0, 0], 16, "private (192.168.0.0/16)"),
        ([198, 18, 0, 0], 15, "benchmarking (198.18.0.0/15)"),
        ([198, 51, 100, 0], 24, "documentation (198.51.100.0/24)"),
        ([203, 0, 113, 0], 24, "documentation (203.0.113.0/24)"),
        ([224, 0, 0, 0], 4, "multicast (224.0.0.0/4)"),
        ([240, 0, 0, 0], 4, "reserved or broadcast (240.0.0.0/4)"),
    ];
    BLOCKS
        .iter()
        .find(|(net, prefix, _)| in_v4(ip, *net, *prefix))
        .map(|(_, _, why)| *why)
}

fn v6_reason(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    if ip.is_unspecified() {
        return Some("unspecified (::)");
    }
    if ip.is_loopback() {
        return Some("loopback (::1)");
    }
    // ::a.b.c.d (deprecated IPv4-compatible) and the NAT64 prefix embed an IPv4 address.
    if s[..6] == [0, 0, 0, 0, 0, 0] {
        return Some("IPv4-compatible IPv6 (::/96)");
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let v4 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
        return v4_reason(v4).map(|_| "NAT64 of a refused IPv4 address (64:ff9b::/96)");
    }
    if s[0] == 0x2002 {
        let v4 = Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8);
        return v4_reason(v4).map(|_| "6to4 of a refused IPv4 address (2002::/16)");
    }
    let first = s[0];
    if first & 0xfe00 == 0xfc00 {
        return Some("unique-local (fc00::/7)");
    }
    if first & 0xffc0 == 0xfe80 {
        return Some("link-local (fe80::/10)");
    }
    if first & 0xffc0 == 0xfec0 {
        return Some("site-local (fec0::/10)");
    }
    if first & 0xff00 == 0xff00 {
        return Some("multicast (ff00::/8)");
    }
    if first == 0x2001 && s[1] == 0 {
        return Some("Teredo (2001::/32)");
    }
    if first == 0x2001 && s[1] == 0x0db8 {
        return Some("documentation (2001:db8::/32)");
    }
    if first == 0x0100 && s[1..4] == [0, 0, 0] {
        return Some("discard-only (100::/64)");
    }
    None
}

/// Whether a fetch may connect to `ip`: an operator-allowed block, or a public address.
pub fn check(ip: IpAddr, allow: &[Cidr]) -> Result<(), String> {
    if allow.iter().any(|c| c.contains(ip)) {
        return Ok(());
    }
    match forbidden_reason(ip) {
        Some(why) => Err(format!("{} is a {why} address", canonical(ip))),
        None => Ok(()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn refuses_every_non_public_range() {
        for a in [
            "127.0.0.1",
            "127.255.255.254",
            "0.0.0.0",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "100.127.255.255",
            "169.254.169.254",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00:ec2::254",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "64:ff9b::7f00:1",
            "2002:7f00:1::",
            "2001::1",
            "ff02::1",
        ] {
            assert!(forbidden_reason(ip(a)).is_some(), "{a} must be refused");
        }
    }

    #[test]
    fn allows_public_addresses() {
        for a in [
            "93.184.216.34",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
            "::ffff:93.184.216.34",
            "64:ff9b::5db8:d822",
        ] {
            assert_eq!(forbidden_reason(ip(a)), None, "{a} is public");
        }
    }

    #[test]
    fn the_allow_list_overrides_and_maps_ipv4_in_ipv6() {
        let allow: Vec<Cidr> = vec!["127.0.0.1".parse().unwrap(), "10.1.0.0/16".parse().unwrap()];
        assert!(check(ip("127.0.0.1"), &allow).is_ok());
        assert!(check(ip("::ffff:127.0.0.1"), &allow).is_ok());
        assert!(check(ip("127.0.0.2"), &allow).is_err());
        assert!(check(ip("10.1.200.3"), &allow).is_ok());
        assert!(check(ip("10.2.0.1"), &allow).is_err());
        assert!(check(ip("::1"), &allow).is_err());
    }

    #[test]
    fn cidr_parsing_is_strict() {
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
        assert!("nope".parse::<Cidr>().is_err());
        assert!("fd00::/7".parse::<Cidr>().unwrap().contains(ip("fd12::1")));
        assert!("0.0.0.0/0".parse::<Cidr>().unwrap().contains(ip("1.2.3.4")));
    }
}
