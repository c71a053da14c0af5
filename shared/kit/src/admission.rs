//! What every request passes before its handler runs: its bearer token is verified once (the
//! `Caller` extractor reuses the result), it is charged to a rate limit, and its body is held to
//! the cap of its route.
//!
//! Rate limits are token buckets in this process: one per team (from the verified token), one
//! per host credential, one per peer address for everything else (no token, or a token that
//! does not verify). The peer address is the socket's, never `X-Forwarded-For` or `Forwarded`,
//! which a client can forge to pick its bucket. Service credentials and the operational
//! endpoints are not limited. Each replica limits on its own: behind N replicas a team gets up
//! to N times its budget.
//!
//! Body caps: a request declaring a `Content-Length` above its route's cap is answered 413
//! before a byte of the body is read; a JSON body without a length is cut off at the cap while
//! it streams. Routes that stream other content (bundle uploads) also enforce their cap as they
//! read.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError, web};
use futures_util::StreamExt;

use crate::auth::{Caller, TokenKind, Verified, verify_request};
use crate::error::ApiError;

/// A token bucket's size: `per_second` sustained, `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    pub per_second: f64,
    pub burst: f64,
}

impl Budget {
    pub const fn new(per_second: f64, burst: f64) -> Self {
        Self { per_second, burst }
    }

    /// Parses `RATE/BURST`, e.g. `50/200`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?} is not RATE/BURST, e.g. 50/200");
        let (r, b) = s.split_once('/').ok_or_else(bad)?;
        let per_second: f64 = r.trim().parse().map_err(|_| bad())?;
        let burst: f64 = b.trim().parse().map_err(|_| bad())?;
        if !(per_second > 0.0 && burst >= 1.0 && per_second.is_finite() && burst.is_finite()) {
            return Err(bad());
        }
        Ok(Self { per_second, burst })
    }
}

/// Budgets per kind of caller, per replica.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimits {
    /// Each team, all its tokens together.
    pub team: Budget,
    /// Each host credential.
    pub host: Budget,
    /// Each peer address without a valid token (enrollment, webhooks, refused tokens).
    pub anonymous: Budget,
    /// What a read (`GET`, `HEAD`) takes from a bucket; every other request takes 1. Reads
    /// answer from one service's own rows, so a team watching many deployments at once
    /// (a poll every 50 ms for each of 20) stays within the budget its writes get.
    pub read_cost: f64,
}

impl Default for RateLimits {
    /// What `liftoff up` and `liftoff serve` use unless told otherwise.
    fn default() -> Self {
        Self {
            team: Budget::new(100.0, 500.0),
            host: Budget::new(20.0, 100.0),
            anonymous: Budget::new(100.0, 1000.0),
            read_cost: 0.1,
        }
    }
}

/// Per-route body caps, by method and route pattern.
#[derive(Debug, Clone)]
pub struct BodyCaps {
    /// JSON bodies of routes not listed.
    pub json_default: usize,
    /// Matched against the request's path here, before routing: a few patterns, where asking
    /// the router for the request's pattern (`match_pattern`) scans every route.
    routes: Vec<(Method, actix_web::dev::ResourceDef, u64)>,
}

impl BodyCaps {
    pub fn new(json_default: usize) -> Self {
        Self {
            json_default,
            routes: Vec::new(),
        }
    }

    /// Caps the body of `method pattern` (the route as declared, e.g. `/v1/hosts/{id}`).
    pub fn route(mut self, method: Method, pattern: &str, limit: u64) -> Self {
        self.routes
            .push((method, actix_web::dev::ResourceDef::new(pattern), limit));
        self
    }

    fn cap_of(&self, method: &Method, path: &str, json: bool) -> Option<u64> {
        self.routes
            .iter()
            .find(|(m, def, _)| m == method && def.is_match(path))
            .map(|(_, _, l)| *l)
            .or(if json {
                Some(self.json_default as u64)
            } else {
                None
            })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum BucketKey {
    Team(String),
    Host(String),
    Peer(IpAddr),
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Charges requests to token buckets.
pub struct RateLimiter {
    limits: RateLimits,
    buckets: Mutex<(HashMap<BucketKey, Bucket>, Instant)>,
}

/// Buckets kept before idle (full) ones are dropped.
const MAX_BUCKETS: usize = 10_000;

impl RateLimiter {
    pub fn new(limits: RateLimits) -> Self {
        Self {
            limits,
            buckets: Mutex::new((HashMap::new(), Instant::now())),
        }
    }

    /// What a request with `method` costs.
    fn cost_of(&self, method: &Method) -> f64 {
        if method == Method::GET || method == Method::HEAD {
            self.limits.read_cost
        } else {
            1.0
        }
    }

    /// Takes `cost` tokens, or says in how many seconds they will be there.
    fn take(&self, key: BucketKey, cost: f64, now: Instant) -> Result<(), u64> {
        let budget = match &key {
            BucketKey::Team(_) => self.limits.team,
            BucketKey::Host(_) => self.limits.host,
            BucketKey::Peer(_) => self.limits.anonymous,
        };
        let Ok(mut guard) = self.buckets.lock() else {
            return Ok(());
        };
        let (buckets, last_prune) = &mut *guard;
        if buckets.len() > MAX_BUCKETS && now.duration_since(*last_prune) > Duration::from_secs(1) {
            let limits = self.limits;
            buckets.retain(|k, b| {
                let budget = match k {
                    BucketKey::Team(_) => limits.team,
                    BucketKey::Host(_) => limits.host,
                    BucketKey::Peer(_) => limits.anonymous,
                };
                b.tokens + now.duration_since(b.at).as_secs_f64() * budget.per_second < budget.burst
            });
            *last_prune = now;
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: budget.burst,
            at: now,
        });
        let refill = now.duration_since(bucket.at).as_secs_f64() * budget.per_second;
        bucket.tokens = (bucket.tokens + refill).min(budget.burst);
        bucket.at = now;
        if bucket.tokens >= cost {
            bucket.tokens -= cost;
            Ok(())
        } else {
            let wait = (cost - bucket.tokens) / budget.per_second;
            Err((wait.ceil() as u64).max(1))
        }
    }
}

/// The admission state of a server: set as app data, read by [`admit`].
pub struct Admission {
    pub limiter: Option<RateLimiter>,
    pub caps: BodyCaps,
}

impl Admission {
    pub fn new(limits: Option<RateLimits>, caps: BodyCaps) -> Self {
        // Exported at 0 from the start, so dashboards and alerts see the series before the
        // first refusal.
        for kind in ["team", "host", "peer"] {
            metrics::counter!("liftoff_rate_limited_total", "kind" => kind).increment(0);
        }
        Self {
            limiter: limits.map(RateLimiter::new),
            caps,
        }
    }
}

fn is_operational(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics")
}

fn key_of(verified: Option<&Result<Caller, ApiError>>, peer: Option<IpAddr>) -> Option<BucketKey> {
    match verified {
        Some(Ok(c)) => match c.kind {
            TokenKind::Service => None,
            TokenKind::Host => Some(BucketKey::Host(c.claims.sub.clone())),
            TokenKind::Team => Some(BucketKey::Team(c.claims.team.clone().unwrap_or_default())),
        },
        // No token, or one that does not verify: the socket's peer address.
        _ => Some(BucketKey::Peer(
            peer.unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)),
        )),
    }
}

fn refuse<B>(req: ServiceRequest, err: ApiError) -> ServiceResponse<EitherBody<B>> {
    req.into_response(err.error_response())
        .map_into_right_body()
}

/// The middleware: `App::new().wrap(from_fn(admit))` with `web::Data<Admission>` as app data.
pub async fn admit<B: MessageBody + 'static>(
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let Some(admission) = req.app_data::<web::Data<Admission>>().cloned() else {
        return next.call(req).await.map(|r| r.map_into_left_body());
    };
    if is_operational(req.path()) {
        return next.call(req).await.map(|r| r.map_into_left_body());
    }
    // Verify once; the extractor finds the result in the extensions.
    let verified = crate::auth::bearer(req.request()).map(|_| verify_request(req.request()));
    if let Some(v) = &verified {
        req.extensions_mut().insert(Verified(v.clone()));
    }
    if let Some(limiter) = &admission.limiter
        && let Some(key) = key_of(verified.as_ref(), req.peer_addr().map(|a| a.ip()))
        && let Err(secs) = limiter.take(key.clone(), limiter.cost_of(req.method()), Instant::now())
    {
        let kind = match key {
            BucketKey::Team(_) => "team",
            BucketKey::Host(_) => "host",
            BucketKey::Peer(_) => "peer",
        };
        metrics::counter!("liftoff_rate_limited_total", "kind" => kind).increment(1);
        let mut err = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many requests for this {kind}; retry in {secs} s"),
        );
        err.retry_after = Some(secs);
        return Ok(refuse(req, err));
    }
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if let Some(cap) = admission.caps.cap_of(req.method(), req.path(), json) {
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if let Some(len) = declared
            && len > cap
        {
            return Ok(refuse(
                req,
                ApiError::too_large(format!(
                    "body of {len} bytes exceeds the limit of {cap} for this route"
                )),
            ));
        }
        if json {
            let mut seen = 0u64;
            let limited = req.take_payload().map(move |chunk| {
                let chunk = chunk?;
                seen += chunk.len() as u64;
                if seen > cap {
                    Err(PayloadError::Overflow)
                } else {
                    Ok(chunk)
                }
            });
            let boxed: std::pin::Pin<
                Box<dyn futures_util::Stream<Item = Result<web::Bytes, PayloadError>>>,
            > = Box::pin(limited);
            req.set_payload(actix_web::dev::Payload::from(boxed));
        }
    }
    // A host's request (its credential, or its enrollment) takes the fleet's share of the
    // database pool.
    let from_host = matches!(&verified, Some(Ok(c)) if matches!(c.kind, TokenKind::Host))
        || (req.method() == Method::POST && req.path() == "/v1/hosts/enroll");
    let answer = next.call(req);
    let answer = if from_host {
        crate::db::fleet_lane(answer).await
    } else {
        answer.await
    };
    answer.map(|r| r.map_into_left_body())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn buckets_refill_and_say_when() {
        let l = RateLimiter::new(RateLimits {
            team: Budget::new(2.0, 3.0),
            host: Budget::new(1.0, 1.0),
            anonymous: Budget::new(1.0, 1.0),
            read_cost: 0.25,
        });
        let t0 = Instant::now();
        let a = || BucketKey::Team("a".into());
        for _ in 0..3 {
            assert!(l.take(a(), 1.0, t0).is_ok());
        }
        assert_eq!(l.take(a(), 1.0, t0), Err(1));
        // Another team has its own bucket.
        assert!(l.take(BucketKey::Team("b".into()), 1.0, t0).is_ok());
        // Half a second at 2/s gives one token back.
        assert!(l.take(a(), 1.0, t0 + Duration::from_millis(500)).is_ok());
        assert!(l.take(a(), 1.0, t0 + Duration::from_millis(500)).is_err());
        let h = || BucketKey::Host("h".into());
        assert!(l.take(h(), 1.0, t0).is_ok());
        assert!(l.take(h(), 1.0, t0).is_err());
    }

    #[test]
    fn reads_take_their_share_of_a_token() {
        let l = RateLimiter::new(RateLimits {
            team: Budget::new(0.001, 2.0),
            read_cost: 0.25,
            ..RateLimits::default()
        });
        assert_eq!(l.cost_of(&Method::GET), 0.25);
        assert_eq!(l.cost_of(&Method::HEAD), 0.25);
        assert_eq!(l.cost_of(&Method::POST), 1.0);
        let t0 = Instant::now();
        let a = || BucketKey::Team("a".into());
        // A bucket of 2 holds 8 reads, or one write and 4 reads.
        assert!(l.take(a(), 1.0, t0).is_ok());
        for _ in 0..4 {
            assert!(l.take(a(), 0.25, t0).is_ok());
        }
        assert!(l.take(a(), 0.25, t0).is_err());
        // A write needs a whole token back: at 0.001/s that is 1000 s.
        assert_eq!(l.take(a(), 1.0, t0), Err(1000));
    }

    #[test]
    fn budgets_parse() {
        assert_eq!(Budget::parse("50/200"), Ok(Budget::new(50.0, 200.0)));
        for bad in ["", "50", "0/10", "5/0", "x/1", "NaN/3", "inf/3"] {
            assert!(Budget::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn caps_by_route_then_json_default() {
        let caps = BodyCaps::new(100).route(Method::POST, "/v1/x/{id}", 10);
        assert_eq!(caps.cap_of(&Method::POST, "/v1/x/42", true), Some(10));
        assert_eq!(caps.cap_of(&Method::POST, "/v1/x/42", false), Some(10));
        // Another method, a longer or shorter path: not the capped route.
        assert_eq!(caps.cap_of(&Method::PUT, "/v1/x/42", true), Some(100));
        assert_eq!(caps.cap_of(&Method::POST, "/v1/x/42/y", true), Some(100));
        assert_eq!(caps.cap_of(&Method::POST, "/v1/x", false), None);
        assert_eq!(caps.cap_of(&Method::POST, "/v1/y", false), None);
    }
}
