//! Sending queued deliveries.
//!
//! Order: of one subscription's pending deliveries of one subject (a deployment, a host) only
//! the oldest is attempted; the next one is attempted once it was delivered or dead-lettered.
//! So a receiver sees a subject's events in the order history recorded them, a retry being the
//! same event again (same `webhook-id`, same body).
//!
//! At least once: a delivery is leased (`lease_until`) while it is attempted and concluded in
//! the database only after the attempt, so a replica that dies mid-attempt leaves a lease
//! that expires and the delivery is attempted again. Replicas coordinate through the lease
//! alone (a conditional update), never through memory.
//!
//! Isolation: every subject's chain runs as its own task, off the request path, each attempt
//! within a deadline, at most [`MAX_IN_FLIGHT`] at once per replica; a slow or dead receiver
//! only holds up its own subjects, never another subscription nor a deployment.
//!
//! Retries: a failed attempt (no 2xx, a timeout, a refused address) is retried after a
//! jittered exponential backoff (`retry_base` doubling to `retry_max`); a delivery still
//! failing `max_age` after it was queued is dead-lettered, and the subject's next one goes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use liftoff_kit::ApiError;
use liftoff_kit::db::now;
use liftoff_kit::egress;
use reqwest::Url;
use reqwest::redirect::Policy;

use super::signature;
use crate::store::webhooks::{self as store, AttemptRow, DeliveryRow, Outcome, WebhookRow};
use crate::{State, WebhookSettings};

/// Most attempts one replica has in flight.
pub const MAX_IN_FLIGHT: usize = 64;
/// Most bytes of a receiver's answer kept with the attempt.
pub const RESPONSE_SNIPPET: usize = 1024;

fn chrono_of(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::days(1))
}

/// How long a claimed delivery stays leased: longer than an attempt can take.
fn lease(cfg: &WebhookSettings) -> chrono::Duration {
    chrono_of(cfg.timeout + cfg.connect_timeout + Duration::from_secs(30))
}

/// The due heads of every subscription's subjects (row ids) in queue order, at most `max`.
fn due_heads(
    c: &mut liftoff_kit::AnyConnection,
    at: NaiveDateTime,
    max: usize,
) -> Result<Vec<i64>, ApiError> {
    Ok(store::pending_heads(c)?
        .into_iter()
        .filter(|(_, due, leased)| *due <= at && leased.is_none_or(|l| l < at))
        .map(|(id, _, _)| id)
        .take(max)
        .collect())
}

/// Claims what is due (up to the free slots) and starts a task per subject chain. Returns how
/// many chains started; the attempts go on after it returned.
pub async fn run(state: &Arc<State>) -> Result<usize, ApiError> {
    let free = state.webhook_slots.available_permits();
    if free == 0 {
        return Ok(0);
    }
    let cfg = state.config.webhooks.clone();
    let claimed = state
        .db
        .write(move |c| {
            let at = now();
            let until = at + lease(&cfg);
            let mut out = Vec::new();
            for id in due_heads(c, at, free)? {
                if store::claim(c, id, at, until)?
                    && let Some(d) = store::delivery(c, id)?
                {
                    out.push(d);
                }
            }
            Ok(out)
        })
        .await?;
    let n = claimed.len();
    for d in claimed {
        // Two runs at once (a wake-up and the tick) may overshoot the slots a little; each
        // claimed delivery goes all the same rather than wait out its lease.
        let permit = state.webhook_slots.clone().try_acquire_owned().ok();
        let state = state.clone();
        tokio::spawn(async move {
            let _permit = permit;
            chain(&state, d).await;
        });
    }
    Ok(n)
}

/// Attempts `d`, then, while that concluded it, the subject's next due delivery.
async fn chain(state: &Arc<State>, mut d: DeliveryRow) {
    loop {
        let concluded = match attempt(state, &d).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, delivery = %d.delivery_id, "webhook attempt could not be recorded; its lease expires and it is tried again");
                return;
            }
        };
        if !concluded {
            return;
        }
        let (webhook, subject) = (d.webhook_id.clone(), d.subject.clone());
        let cfg = state.config.webhooks.clone();
        let next = state
            .db
            .write(move |c| {
                let at = now();
                match store::pending_head_of(c, &webhook, &subject)? {
                    Some((id, due, leased))
                        if due <= at
                            && leased.is_none_or(|l| l < at)
                            && store::claim(c, id, at, at + lease(&cfg))? =>
                    {
                        store::delivery(c, id)
                    }
                    _ => Ok(None),
                }
            })
            .await;
        match next {
            Ok(Some(n)) => d = n,
            _ => return,
        }
    }
}

/// One attempt, recorded; true if it concluded the delivery (delivered or dead).
async fn attempt(state: &State, d: &DeliveryRow) -> Result<bool, ApiError> {
    let webhook_id = d.webhook_id.clone();
    let Some(webhook) = state.db.run(move |c| store::by_id(c, &webhook_id)).await? else {
        return Ok(false);
    };
    let cfg = &state.config.webhooks;
    let started_at = now();
    let clock = Instant::now();
    let sent = tokio::time::timeout(
        cfg.timeout + cfg.connect_timeout,
        send(cfg, &webhook, d, chrono::Utc::now().timestamp()),
    )
    .await
    .unwrap_or_else(|_| Err("timed out".to_string()));
    let latency_ms = clock.elapsed().as_millis() as i64;
    let (status_code, response, error) = match sent {
        Ok((status, body)) => (Some(i32::from(status)), Some(body), None),
        Err(e) => (None, None, Some(e)),
    };
    let ok = status_code.is_some_and(|s| (200..300).contains(&s));
    let outcome = if ok {
        Outcome::Delivered
    } else if started_at - d.queued_at >= chrono_of(cfg.max_age) {
        Outcome::Dead
    } else {
        let failures = (d.attempts + 1).max(1) as u32;
        let wait = liftoff_kit::outbox::jittered_backoff(cfg.retry_base, cfg.retry_max, failures);
        Outcome::Retry(now() + chrono_of(wait))
    };
    let label = match outcome {
        Outcome::Delivered => "delivered",
        Outcome::Retry(_) => "retry",
        Outcome::Dead => "dead",
    };
    let concluded = !matches!(outcome, Outcome::Retry(_));
    if !ok {
        tracing::info!(delivery = %d.delivery_id, webhook = %d.webhook_id, status = ?status_code, error = ?error, outcome = label, "webhook attempt failed");
    }
    let row = AttemptRow {
        delivery_id: d.delivery_id.clone(),
        attempted_at: started_at,
        status_code,
        latency_ms,
        response,
        error,
    };
    let id = d.id;
    let recorded = state
        .db
        .write(move |c| store::record_attempt(c, id, &row, &outcome))
        .await?;
    if recorded {
        metrics::counter!("liftoff_webhook_deliveries_total", "outcome" => label).increment(1);
    }
    Ok(recorded && concluded)
}

/// POSTs the delivery's CloudEvent, signed; the status and the start of the answer, or why
/// there was none.
async fn send(
    cfg: &WebhookSettings,
    webhook: &WebhookRow,
    d: &DeliveryRow,
    timestamp: i64,
) -> Result<(u16, String), String> {
    let url = Url::parse(&webhook.url).map_err(|e| format!("invalid URL: {e}"))?;
    // Checked again at every attempt, and the connection pinned to what was checked: a name
    // that now resolves to a blocked address is refused (DNS rebinding).
    let pinned = egress::vet(&cfg.allow, cfg.resolver.as_ref(), cfg.connect_timeout, &url)
        .await
        .map_err(|r| format!("refused: {r}"))?;
    let mut builder = liftoff_client::platform_roots(reqwest::Client::builder())
        .redirect(Policy::none())
        .no_proxy()
        .connect_timeout(cfg.connect_timeout)
        .timeout(cfg.timeout)
        .user_agent(concat!("liftoff-webhooks/", env!("CARGO_PKG_VERSION")));
    if let Some((name, addrs)) = &pinned {
        builder = builder.resolve_to_addrs(name, addrs);
    }
    let client = builder.build().map_err(|e| format!("http client: {e}"))?;
    let mut secrets = vec![webhook.secret.as_str()];
    if let (Some(prev), Some(until)) = (
        webhook.previous_secret.as_deref(),
        webhook.previous_secret_expires_at,
    ) && until > now()
    {
        secrets.push(prev);
    }
    let signature = signature::header(&secrets, &d.event_id, timestamp, d.body.as_bytes());
    let mut res = client
        .post(url)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/cloudevents+json",
        )
        .header("webhook-id", &d.event_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(d.body.clone())
        .send()
        .await
        .map_err(|e| egress::chain(&e))?;
    let status = res.status().as_u16();
    let mut snippet = Vec::new();
    while snippet.len() < RESPONSE_SNIPPET {
        match res.chunk().await {
            Ok(Some(chunk)) => snippet.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    snippet.truncate(RESPONSE_SNIPPET);
    let mut text = String::from_utf8_lossy(&snippet).into_owned();
    // A cut character may have grown into U+FFFD: keep the bound in bytes.
    while text.len() > RESPONSE_SNIPPET {
        text.pop();
    }
    Ok((status, text))
}

/// The tick's share: start what is due (in case a wake-up was missed, and for retries whose
/// time came), and publish the backlog (`liftoff_webhook_backlog`,
/// `liftoff_webhook_oldest_age_seconds`) every few seconds.
pub async fn tick(state: &Arc<State>) {
    if let Err(e) = run(state).await {
        tracing::warn!(error = %e, "webhook delivery run failed");
    }
    if !state.webhook_gauges.due() {
        return;
    }
    if let Ok((n, oldest)) = state.db.run(store::backlog).await {
        metrics::gauge!("liftoff_webhook_backlog").set(n as f64);
        let age = oldest.map_or(0.0, |t| {
            (now() - t).num_milliseconds().max(0) as f64 / 1000.0
        });
        metrics::gauge!("liftoff_webhook_oldest_age_seconds").set(age);
    }
}
