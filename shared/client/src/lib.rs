//! Typed HTTP clients for the four Liftoff services, built on the shared wire types.
//! Every call has a timeout; W3C trace context is propagated on every request.

use std::time::Duration;

use liftoff_types::ErrorBody;
use reqwest::{Method, StatusCode};
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware, RequestBuilder};
use reqwest_tracing::TracingMiddleware;
use serde::Serialize;
use serde::de::DeserializeOwned;

mod deployment_api;
mod gates;
mod history;
mod promotions;
mod registry;
mod scale_out;
mod scheduler;
mod stream;
mod tokens;
pub mod trace;

pub use deployment_api::{DeploymentApiClient, DeploymentQuery};
pub use history::{AuditQuery, EventQuery, HistoryClient, Page, hook_log_excerpt};
pub use registry::RegistryClient;
pub use scheduler::SchedulerClient;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The service answered with an error body.
    #[error("{status} {}: {}", body.error.code, body.error.message)]
    Api { status: u16, body: ErrorBody },
    /// The service could not be reached, or the connection broke, or the call timed out.
    #[error("transport: {0}")]
    Transport(String),
    /// The answer was not what the contract says.
    #[error("unexpected response: {0}")]
    Decode(String),
}

impl ClientError {
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
    /// Worth retrying: transport failures, 5xx, 429, and 408 (the server gave up waiting for
    /// the request, e.g. while it was busy).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Api { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            Self::Transport(_) => true,
            Self::Decode(_) => false,
        }
    }
}

/// `builder` trusting the platform's TLS roots, read from disk once per process.
///
/// reqwest's default verifier reads and decodes the whole CA store (the bundle file and every
/// file of the certificate directory) each time a client is built: ~a quarter of the machine's
/// CPU while a simulated fleet enrolled (each virtual host builds its clients), and a cost paid
/// by every webhook delivery, analysis query and bundle-fetch hop, which build a client each.
/// The same roots (`SSL_CERT_FILE`, `SSL_CERT_DIR` or the system's store, as reqwest's
/// verifier finds them) are loaded once here and handed to each client, which verifies
/// servers against them alone. If the platform has none, the builder is left as it is, and
/// fails as it did.
pub fn platform_roots(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    static ROOTS: std::sync::OnceLock<Vec<reqwest::Certificate>> = std::sync::OnceLock::new();
    let roots = ROOTS.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        for e in &found.errors {
            tracing::warn!(error = %e, "could not load a CA root certificate");
        }
        found
            .certs
            .iter()
            .filter_map(|der| reqwest::Certificate::from_der(der.as_ref()).ok())
            .collect()
    });
    if roots.is_empty() {
        return builder;
    }
    builder.tls_certs_only(roots.iter().cloned())
}

/// A base URL and an optional bearer token.
/// How long Liftoff's HTTP server keeps a connection open with no request on it (`liftoff up`,
/// `liftoff serve`).
pub const SERVER_KEEP_ALIVE: Duration = Duration::from_secs(5);

/// A pooled connection idle this long is not used again: shorter than [`SERVER_KEEP_ALIVE`],
/// so a request never goes out on a connection the server is closing at that moment. Such a
/// request fails with a transport error (the connection closes before its answer), and nothing
/// can tell whether the server acted on it, so it is not retried. A second's margin covers the
/// answer's time on the wire: the server's clock starts when it writes the answer, ours when it
/// arrives.
pub const POOL_IDLE: Duration = Duration::from_secs(4);

#[derive(Clone, Debug)]
pub struct Client {
    http: ClientWithMiddleware,
    base: String,
    token: Option<String>,
}

impl Client {
    pub fn new(base: &str, token: Option<String>) -> Result<Self, ClientError> {
        Self::with_timeouts(base, token, Duration::from_secs(5), Duration::from_secs(60))
    }

    pub fn with_timeouts(
        base: &str,
        token: Option<String>,
        connect: Duration,
        request: Duration,
    ) -> Result<Self, ClientError> {
        Self::build(base, token, connect, request, None)
    }

    /// A client whose connections leave from `local` (one of this machine's addresses).
    pub fn bound_to(
        base: &str,
        local: std::net::IpAddr,
        connect: Duration,
        request: Duration,
    ) -> Result<Self, ClientError> {
        Self::build(base, None, connect, request, Some(local))
    }

    fn build(
        base: &str,
        token: Option<String>,
        connect: Duration,
        request: Duration,
        local: Option<std::net::IpAddr>,
    ) -> Result<Self, ClientError> {
        let inner = platform_roots(reqwest::Client::builder())
            .local_address(local)
            .connect_timeout(connect)
            .timeout(request)
            // Detect half-open connections instead of waiting for TCP retransmission limits.
            .tcp_keepalive(Duration::from_secs(15))
            .pool_idle_timeout(POOL_IDLE)
            .user_agent(concat!("liftoff/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        let http = ClientBuilder::new(inner)
            .with(TracingMiddleware::default())
            .build();
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_string(),
            token,
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn with_token(&self, token: Option<String>) -> Self {
        Self {
            http: self.http.clone(),
            base: self.base.clone(),
            token,
        }
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let mut rb = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(t) = &self.token {
            rb = rb.bearer_auth(t);
        }
        rb
    }

    pub async fn send<T: DeserializeOwned>(&self, rb: RequestBuilder) -> Result<T, ClientError> {
        let res = rb
            .send()
            .await
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        decode(res).await
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.send(self.request(Method::GET, path)).await
    }

    pub async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.send(self.request(Method::POST, path).json(body)).await
    }

    pub async fn put<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.send(self.request(Method::PUT, path).json(body)).await
    }
}

/// Turns a response into `T` or the service's error body.
pub async fn decode<T: DeserializeOwned>(res: reqwest::Response) -> Result<T, ClientError> {
    let status = res.status();
    let bytes = res
        .bytes()
        .await
        .map_err(|e| ClientError::Transport(e.to_string()))?;
    if status.is_success() {
        serde_json::from_slice(&bytes).map_err(|e| {
            ClientError::Decode(format!(
                "{e}: {}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(512)])
            ))
        })
    } else {
        Err(error_from(status, &bytes))
    }
}

fn error_from(status: StatusCode, bytes: &[u8]) -> ClientError {
    let body = serde_json::from_slice::<ErrorBody>(bytes).unwrap_or_else(|_| {
        ErrorBody::new(
            "http_error",
            format!(
                "{status}: {}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(512)])
            ),
        )
    });
    ClientError::Api {
        status: status.as_u16(),
        body,
    }
}

/// The `Retry-After` of an answer, when given in seconds (capped at a minute).
pub fn retry_after(res: &reqwest::Response) -> Option<Duration> {
    res.headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(|s| Duration::from_secs(s.min(60)))
}

/// Waits between retries: 250 ms doubling to 2 s.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250u64.saturating_mul(1 << attempt.min(3)).min(2000))
}

/// Percent-encodes one path segment or query value.
pub fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
