//! Where a URL a user gave may make the control plane connect (server-side request forgery
//! rules), shared by every outgoing call to such a URL: deployment-api's bundle fetch and
//! history's webhooks. HTTP and HTTPS only; no credentials in the URL; the host's addresses
//! are resolved once and every one of them is checked against [`address::check`] (an
//! operator's allow-list, `liftoff up --url-allow`, can open blocks the rules refuse). The
//! caller then pins its connection to the addresses that were checked, so a name that
//! resolves differently a moment later (DNS rebinding) cannot redirect it.

pub mod address;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use futures_util::future::BoxFuture;
use reqwest::Url;

pub use address::Cidr;

/// Resolves a host name to addresses. Injected so tests can make a name resolve to any
/// address without touching the system's resolver configuration.
pub trait Resolve: Send + Sync + 'static {
    fn resolve<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> BoxFuture<'a, std::io::Result<Vec<IpAddr>>>;
}

/// The system resolver (getaddrinfo, through tokio).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> BoxFuture<'a, std::io::Result<Vec<IpAddr>>> {
        Box::pin(async move {
            Ok(tokio::net::lookup_host((host, port))
                .await?
                .map(|a| a.ip())
                .collect())
        })
    }
}

/// Why a URL may not be connected to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The rules refuse it (scheme, credentials, a blocked address).
    Forbidden(String),
    /// It cannot be checked: the name does not resolve (in time).
    Unresolvable(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Forbidden(m) | Self::Unresolvable(m) => f.write_str(m),
        }
    }
}

/// The checks that need no network: the scheme, a host, and the userinfo trick
/// (`http://allowed@127.0.0.1/`). The URL parser already turns decimal, hexadecimal and octal
/// IPv4 forms (`2130706433`, `0x7f.1`, `0177.0.0.1`) into addresses.
pub fn check_shape(url: &Url) -> Result<(), Refusal> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Refusal::Forbidden(format!(
            "{}: URLs are refused; only http and https are allowed",
            url.scheme()
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refusal::Forbidden(
            "URLs with credentials (user@host) are refused".into(),
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Refusal::Forbidden("the URL has no host".into()));
    }
    Ok(())
}

/// The URL's host: an address (the parser has normalised every numeric form) or a name.
pub enum Target {
    Address(IpAddr),
    Name(String),
}

pub fn target(url: &Url) -> Option<Target> {
    let host = url.host_str()?;
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return v6.parse().ok().map(Target::Address);
    }
    Some(match host.parse::<std::net::Ipv4Addr>() {
        Ok(v4) => Target::Address(IpAddr::V4(v4)),
        Err(_) => Target::Name(host.to_string()),
    })
}

/// Checks where `url` would connect; for a name, returns the checked addresses to pin the
/// connection to (`reqwest::ClientBuilder::resolve_to_addrs`).
pub async fn vet(
    allow: &[Cidr],
    resolver: &dyn Resolve,
    resolve_timeout: Duration,
    url: &Url,
) -> Result<Option<(String, Vec<SocketAddr>)>, Refusal> {
    check_shape(url)?;
    let port = url
        .port_or_known_default()
        .ok_or_else(|| Refusal::Forbidden("the URL has no port".into()))?;
    match target(url) {
        Some(Target::Address(ip)) => {
            address::check(ip, allow).map_err(Refusal::Forbidden)?;
            Ok(None)
        }
        Some(Target::Name(name)) => {
            let ips = tokio::time::timeout(resolve_timeout, resolver.resolve(&name, port))
                .await
                .map_err(|_| Refusal::Unresolvable(format!("resolving {name} timed out")))?
                .map_err(|e| Refusal::Unresolvable(format!("cannot resolve {name}: {e}")))?;
            if ips.is_empty() {
                return Err(Refusal::Unresolvable(format!("{name} has no address")));
            }
            for ip in &ips {
                address::check(*ip, allow)
                    .map_err(|why| Refusal::Forbidden(format!("{name} resolves to {why}")))?;
            }
            let addrs = ips
                .into_iter()
                .map(|ip| SocketAddr::new(ip, port))
                .collect();
            Ok(Some((name, addrs)))
        }
        None => Err(Refusal::Forbidden("the URL has no host".into())),
    }
}

/// An error with its causes, so "error sending request" says why.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cur = c.source();
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_and_mapped_hosts_are_addresses() {
        for (raw, want) in [
            ("http://[::1]/", "::1"),
            ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1"),
            ("http://[fd00:ec2::254]/", "fd00:ec2::254"),
        ] {
            match target(&Url::parse(raw).unwrap()) {
                Some(Target::Address(ip)) => {
                    assert_eq!(ip, want.parse::<IpAddr>().unwrap(), "{raw}")
                }
                _ => panic!("{raw}"),
            }
        }
        assert!(matches!(
            target(&Url::parse("http://bundles.example.com/x").unwrap()),
            Some(Target::Name(n)) if n == "bundles.example.com"
        ));
    }

    #[tokio::test]
    async fn a_name_resolving_to_a_blocked_address_is_refused_unless_allowed() {
        struct To(IpAddr);
        impl Resolve for To {
            fn resolve<'a>(
                &'a self,
                _: &'a str,
                _: u16,
            ) -> BoxFuture<'a, std::io::Result<Vec<IpAddr>>> {
                let ip = self.0;
                Box::pin(async move { Ok(vec![ip]) })
            }
        }
        let url = Url::parse("http://hooks.example.com:8080/x").unwrap();
        let r = To("10.1.2.3".parse().unwrap());
        let t = Duration::from_secs(1);
        assert!(matches!(
            vet(&[], &r, t, &url).await,
            Err(Refusal::Forbidden(_))
        ));
        let allow = ["10.0.0.0/8".parse().unwrap()];
        let (name, addrs) = vet(&allow, &r, t, &url).await.unwrap().unwrap();
        assert_eq!(name, "hooks.example.com");
        assert_eq!(addrs, vec!["10.1.2.3:8080".parse().unwrap()]);
    }
}
