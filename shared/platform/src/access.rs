//! Wiring of credentials into a server: which keys sign and verify, where revocations come
//! from, the rate limits and the per-route body caps.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::Method;
use liftoff_kit::admission::{Admission, BodyCaps, RateLimits};
use liftoff_kit::auth::RevocationFeed;
use liftoff_kit::auth::revocation::HttpFeed;
use liftoff_kit::{Authority, PeerUrls, Peers, ServiceApp};
use tokio::task::JoinHandle;

/// Largest event report: a 64 KiB output tail can grow to six times that once JSON-escaped.
pub const EVENT_REPORT_CAP: u64 = 512 * 1024;
/// A batch of event reports (agents keep batches with large output tails under half of this).
pub const EVENT_BATCH_CAP: u64 = liftoff_kit::web::MAX_JSON_LIMIT as u64;
/// Enrollment and heartbeats: a host's name, zone, tags and versions.
pub const HOST_REQUEST_CAP: u64 = 64 * 1024;

/// How a server authenticates and limits its callers.
#[derive(Debug, Clone, Default)]
pub struct AuthSettings {
    /// A key set file (RS256/EdDSA/HS256 keys by `kid`); without one, HS256 with the secret in
    /// the data dir (or `--secret-file`).
    pub keyset: Option<PathBuf>,
    /// Rate limits per replica; `None`: [`RateLimits::default`].
    pub rate_limits: Option<RateLimits>,
    /// deployment-api's URL, for a service running apart to follow the revocation feed.
    pub revocations_from: Option<String>,
}

/// The body cap of every route that differs from the JSON default.
pub fn body_caps(max_bundle_bytes: u64) -> BodyCaps {
    BodyCaps::new(liftoff_kit::web::DEFAULT_JSON_LIMIT)
        .route(
            Method::POST,
            "/v1/applications/{app}/revisions",
            max_bundle_bytes,
        )
        .route(
            Method::POST,
            "/v1/agents/{host}/commands/{command}/events",
            EVENT_REPORT_CAP,
        )
        .route(
            Method::POST,
            "/v1/agents/{host}/commands/{command}/event-batch",
            EVENT_BATCH_CAP,
        )
        // A completion may carry the command's last event reports.
        .route(
            Method::POST,
            "/v1/agents/{host}/commands/{command}/complete",
            EVENT_BATCH_CAP,
        )
        .route(Method::POST, "/v1/hosts/enroll", HOST_REQUEST_CAP)
        .route(Method::POST, "/v1/hosts/{id}/heartbeat", HOST_REQUEST_CAP)
        .route(
            Method::POST,
            "/v1/events",
            liftoff_history::INGEST_BODY_LIMIT as u64,
        )
        // The scheduler's outbox sends progress reports in the same batches as events.
        .route(
            Method::POST,
            "/v1/rollout-progress",
            liftoff_kit::outbox::RECEIVE_BODY_LIMIT as u64,
        )
        .route(
            Method::POST,
            "/v1/host-changes",
            liftoff_kit::outbox::RECEIVE_BODY_LIMIT as u64,
        )
        .route(
            Method::POST,
            "/v1/tokens/revocation-events",
            liftoff_kit::outbox::RECEIVE_BODY_LIMIT as u64,
        )
        .route(
            Method::PUT,
            "/v1/history/hosts/{host}/commands/{command}/logs/{event}",
            liftoff_history::LOG_UPLOAD_BODY_LIMIT as u64,
        )
        .route(
            Method::PUT,
            "/v1/history/hosts/{host}/commands/{command}/logs",
            liftoff_history::LOG_UPLOAD_BODY_LIMIT as u64,
        )
}

pub fn admission(settings: &super::ServiceSettings) -> Admission {
    Admission::new(
        Some(settings.auth.rate_limits.unwrap_or_default()),
        body_caps(settings.deployment_api.max_bundle_bytes),
    )
}

/// Where this process reads revocations: deployment-api's database when it runs here, else
/// deployment-api over HTTP when its URL is known.
pub fn revocation_feed(
    services: &[Arc<dyn ServiceApp>],
    authority: &Authority,
    settings: &super::ServiceSettings,
) -> anyhow::Result<Option<Arc<dyn RevocationFeed>>> {
    if let Some(api) = services
        .iter()
        .find(|s| s.name() == liftoff_deployment_api::NAME)
    {
        return Ok(Some(liftoff_deployment_api::revocation_feed(
            api.db().clone(),
        )));
    }
    let Some(url) = &settings.auth.revocations_from else {
        return Ok(None);
    };
    let name = services.first().map_or("liftoff", |s| s.name());
    let peers = Peers::new(&PeerUrls::all(url), authority.clone(), name)?;
    Ok(Some(Arc::new(HttpFeed(peers))))
}

/// Follows the feed every `every`: a revocation reaches this process within one period.
pub fn follow_revocations(
    authority: Authority,
    feed: Arc<dyn RevocationFeed>,
    every: Duration,
) -> JoinHandle<()> {
    authority.revocations().mark_pending();
    tokio::spawn(async move {
        let mut timer = tokio::time::interval(every);
        timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            timer.tick().await;
            match authority.revocations().sync(feed.as_ref()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(applied = n, "token revocations applied"),
                Err(e) => tracing::warn!(error = %e, "token revocations not refreshed"),
            }
        }
    })
}
