//! Fetching a bundle from a URL the user gave, without letting that URL reach what it must
//! not (server-side request forgery). HTTP and HTTPS only; no credentials in the URL; the
//! host's addresses are resolved once, every one of them is checked, and the connection is
//! pinned to the addresses that were checked (a name that resolves differently a moment later
//! cannot redirect the fetch: DNS rebinding). Redirects are followed by hand, each hop checked
//! like the first. A byte cap and a deadline bound the whole fetch. Proxies from the
//! environment are ignored: the checked address must be the one connected to.

use std::sync::Arc;
use std::time::Duration;

use liftoff_kit::ApiError;
use liftoff_kit::egress::{Refusal, chain};
use reqwest::Url;
use reqwest::redirect::Policy;

pub use liftoff_kit::egress::{Cidr, Resolve, SystemResolver, Target, address, target};

use crate::app::revisions::{SpoolWriter, Spooled};

/// How bundle URLs are fetched.
#[derive(Clone)]
pub struct FetchSettings {
    /// Blocks the operator allows despite the rules (e.g. an internal artifact store's
    /// `10.20.0.0/16`, or `127.0.0.1` in tests). Empty by default.
    pub allow: Vec<Cidr>,
    /// Deadline for the whole fetch, redirects and body included.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Redirects followed (each one checked); 0 refuses them all.
    pub max_redirects: u32,
    pub resolver: Arc<dyn Resolve>,
}

impl Default for FetchSettings {
    fn default() -> Self {
        Self {
            allow: Vec::new(),
            timeout: Duration::from_secs(300),
            connect_timeout: Duration::from_secs(10),
            max_redirects: 5,
            resolver: Arc::new(SystemResolver),
        }
    }
}

impl std::fmt::Debug for FetchSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchSettings")
            .field("allow", &self.allow)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_redirects", &self.max_redirects)
            .finish_non_exhaustive()
    }
}

const MAX_URL_BYTES: usize = 2048;

fn forbidden(message: impl Into<String>) -> ApiError {
    ApiError::unprocessable("bundle_url_forbidden", message)
}

fn failed(message: impl Into<String>) -> ApiError {
    ApiError::unprocessable("bundle_fetch_failed", message)
}

/// Parses a bundle URL and applies the checks that need no network: the scheme and the
/// userinfo trick (`http://allowed@127.0.0.1/`). The URL parser already turns decimal,
/// hexadecimal and octal IPv4 forms (`2130706433`, `0x7f.1`, `0177.0.0.1`) into addresses.
pub fn parse(raw: &str) -> Result<Url, ApiError> {
    if raw.len() > MAX_URL_BYTES {
        return Err(ApiError::invalid_field(format!(
            "url: longer than {MAX_URL_BYTES} bytes"
        )));
    }
    let url = Url::parse(raw)
        .map_err(|e| ApiError::invalid_field(format!("url: not a valid URL ({e})")))?;
    check_shape(&url)?;
    Ok(url)
}

fn check_shape(url: &Url) -> Result<(), ApiError> {
    liftoff_kit::egress::check_shape(url).map_err(refused)
}

fn refused(r: Refusal) -> ApiError {
    match r {
        Refusal::Forbidden(m) => forbidden(m),
        Refusal::Unresolvable(m) => failed(m),
    }
}

/// The URL as recorded on the revision: no query (it often carries a signature), no fragment.
pub fn source_of(url: &Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
}

/// Checks where `url` would connect; for a name, returns the checked addresses to pin it to.
pub async fn vet(
    settings: &FetchSettings,
    url: &Url,
) -> Result<Option<(String, Vec<std::net::SocketAddr>)>, ApiError> {
    liftoff_kit::egress::vet(
        &settings.allow,
        settings.resolver.as_ref(),
        settings.connect_timeout,
        url,
    )
    .await
    .map_err(refused)
}

/// Fetches `url` into `spool` (which enforces the byte cap), within the deadline.
pub async fn fetch(
    settings: &FetchSettings,
    url: Url,
    spool: SpoolWriter,
) -> Result<Spooled, ApiError> {
    let secs = settings.timeout.as_secs_f64();
    tokio::time::timeout(settings.timeout, fetch_hops(settings, url, spool))
        .await
        .map_err(|_| {
            ApiError::unprocessable(
                "bundle_fetch_timeout",
                format!("fetching the bundle took longer than {secs:.0} s"),
            )
        })?
}

async fn fetch_hops(
    settings: &FetchSettings,
    mut url: Url,
    mut spool: SpoolWriter,
) -> Result<Spooled, ApiError> {
    for _hop in 0..=settings.max_redirects {
        let pinned = vet(settings, &url).await?;
        let mut builder = liftoff_client::platform_roots(reqwest::Client::builder())
            .redirect(Policy::none())
            .no_proxy()
            .connect_timeout(settings.connect_timeout)
            .user_agent(concat!(
                "liftoff-deployment-api/",
                env!("CARGO_PKG_VERSION")
            ));
        if let Some((name, addrs)) = &pinned {
            builder = builder.resolve_to_addrs(name, addrs);
        }
        let client = builder
            .build()
            .map_err(|e| ApiError::internal(format!("http client: {e}")))?;
        let mut res = client
            .get(url.clone())
            .send()
            .await
            .map_err(|e| failed(format!("cannot fetch {}: {}", source_of(&url), chain(&e))))?;
        let status = res.status();
        if status.is_redirection() {
            let location = res
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| failed(format!("{status} without a Location")))?;
            url = url
                .join(location)
                .map_err(|e| failed(format!("redirect to an invalid URL: {e}")))?;
            continue;
        }
        if !status.is_success() {
            return Err(failed(format!("{} answered {status}", source_of(&url))));
        }
        if let Some(len) = res.content_length()
            && len > spool.cap()
        {
            return Err(ApiError::too_large(format!(
                "bundle of {len} bytes exceeds the limit of {}",
                spool.cap()
            )));
        }
        while let Some(chunk) = res
            .chunk()
            .await
            .map_err(|e| failed(format!("the download broke off: {}", chain(&e))))?
        {
            spool.write(&chunk).await?;
        }
        return spool.finish().await;
    }
    Err(failed(format!(
        "more than {} redirects",
        settings.max_redirects
    )))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn numeric_ipv4_forms_parse_to_the_address_they_name() {
        for raw in [
            "http://2130706433/",
            "http://0x7f.1/",
            "http://0x7f000001/",
            "http://0177.0.0.1/",
            "http://127.1/",
        ] {
            let url = parse(raw).unwrap();
            match target(&url) {
                Some(Target::Address(ip)) => assert_eq!(ip.to_string(), "127.0.0.1", "{raw}"),
                _ => panic!("{raw} did not parse to an address"),
            }
        }
    }

    #[test]
    fn schemes_and_userinfo_are_refused_before_any_network() {
        for raw in [
            "file:///etc/passwd",
            "gopher://example.com/",
            "ftp://example.com/b.tar.gz",
            "http://allowed@127.0.0.1/",
            "https://user:pw@example.com/b.tar.gz",
        ] {
            let e = parse(raw).unwrap_err();
            assert_eq!(e.code, "bundle_url_forbidden", "{raw}: {e}");
        }
        assert_eq!(parse("not a url").unwrap_err().code, "invalid_field");
    }

    #[test]
    fn the_recorded_source_drops_the_query() {
        let u = parse("https://bucket.example.com/app/v1.tar.gz?X-Amz-Signature=abc#x").unwrap();
        assert_eq!(source_of(&u), "https://bucket.example.com/app/v1.tar.gz");
    }
}
