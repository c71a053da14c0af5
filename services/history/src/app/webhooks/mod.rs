//! Webhooks: a team subscribes a URL to event types; every matching event history records is
//! delivered to it as a signed CloudEvent (see [`fanout`] for how events are queued,
//! [`deliver`] for how the queue is sent, [`signature`] for the signing). Subscriptions belong
//! to a team: another team's do not exist (404). Changes to them are recorded in the log with
//! their actor, like every change people make.

pub mod deliver;
pub mod fanout;
pub mod patterns;
pub mod signature;

use liftoff_kit::db::{now, to_utc, uuid};
use liftoff_kit::egress::{self, Refusal};
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::events::EventType;
use liftoff_types::names::validate_name;
use liftoff_types::webhooks::{
    CreateWebhook, DeliveryAttempt, DeliveryPage, DeliveryStatus, RotateWebhookSecret, Webhook,
    WebhookDelivery, WebhookList, WebhookWithSecret,
};
use uuid::Uuid;

use crate::State;
use crate::store::webhooks::{self as store, AttemptRow, DeliveryRow, WebhookRow};

/// Most subscriptions a team holds.
pub const MAX_PER_TEAM: i64 = 100;
const MAX_URL_BYTES: usize = 2048;
const DEFAULT_OVERLAP_SECS: u32 = 86400;
const MAX_OVERLAP_SECS: u32 = 7 * 86400;

fn url_forbidden(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("webhook_url_forbidden", message)
}

/// The URL checked as every delivery will check it: shape, then where its host resolves.
async fn check_url(state: &State, raw: &str) -> Result<String, ApiError> {
    if raw.len() > MAX_URL_BYTES {
        return Err(ApiError::invalid_field(format!(
            "url: longer than {MAX_URL_BYTES} bytes"
        )));
    }
    let url = reqwest::Url::parse(raw)
        .map_err(|e| ApiError::invalid_field(format!("url: not a valid URL ({e})")))?;
    let cfg = &state.config.webhooks;
    egress::vet(&cfg.allow, cfg.resolver.as_ref(), cfg.connect_timeout, &url)
        .await
        .map_err(|r| match r {
            Refusal::Forbidden(m) => url_forbidden(format!("url: {m}")),
            Refusal::Unresolvable(m) => ApiError::invalid_field(format!("url: {m}")),
        })?;
    Ok(url.to_string())
}

fn view(r: &WebhookRow) -> Result<Webhook, ApiError> {
    let live_previous = r
        .previous_secret_expires_at
        .filter(|t| *t > now() && r.previous_secret.is_some());
    Ok(Webhook {
        id: uuid(&r.id)?,
        url: r.url.clone(),
        events: serde_json::from_str(&r.events)?,
        application: r.application.clone(),
        deployment_group: r.deployment_group.clone(),
        created_by: r.created_by.clone(),
        created_at: to_utc(r.created_at),
        previous_secret_expires_at: live_previous.map(to_utc),
    })
}

/// The URL as the log shows it: without its query, which may carry a token.
fn logged_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => String::new(),
    }
}

fn audit(
    c: &mut AnyConnection,
    event_type: EventType,
    actor: &str,
    r: &WebhookRow,
) -> Result<(), ApiError> {
    let mut ev = liftoff_kit::outbox::event(crate::NAME, event_type);
    ev.team = Some(r.team.clone());
    ev.actor = Some(actor.to_string());
    ev.application = r.application.clone();
    ev.deployment_group = r.deployment_group.clone();
    ev.data = serde_json::json!({
        "webhook_id": r.id, "url": logged_url(&r.url),
        "events": serde_json::from_str::<serde_json::Value>(&r.events)?,
    });
    crate::app::ingest::append_own(c, &ev)
}

fn team_webhook(c: &mut AnyConnection, team: &str, id: Uuid) -> Result<WebhookRow, ApiError> {
    store::get(c, team, &id.to_string())?
        .ok_or_else(|| ApiError::not_found(format!("webhook {id} not found")))
}

pub async fn create(
    state: &State,
    team: String,
    actor: String,
    req: CreateWebhook,
) -> Result<WebhookWithSecret, ApiError> {
    let events =
        patterns::parse(&req.events).map_err(|m| ApiError::bad_request("unknown_event_type", m))?;
    for (field, v) in [
        ("application", &req.application),
        ("deployment_group", &req.deployment_group),
    ] {
        if let Some(v) = v {
            validate_name(field, v).map_err(ApiError::invalid_field)?;
        }
    }
    let url = check_url(state, &req.url).await?;
    let secret = signature::new_secret();
    let row = WebhookRow {
        id: Uuid::now_v7().to_string(),
        team,
        url,
        events: serde_json::to_string(&events)?,
        application: req.application,
        deployment_group: req.deployment_group,
        secret: secret.clone(),
        previous_secret: None,
        previous_secret_expires_at: None,
        created_by: actor.clone(),
        created_at: now(),
    };
    let row = state
        .db
        .write(move |c| {
            if store::count(c, &row.team)? >= MAX_PER_TEAM {
                return Err(ApiError::conflict(
                    "too_many_webhooks",
                    format!("a team holds at most {MAX_PER_TEAM} webhooks; delete one first"),
                ));
            }
            store::insert(c, &row)?;
            audit(c, EventType::WebhookCreated, &actor, &row)?;
            Ok(row)
        })
        .await?;
    Ok(WebhookWithSecret {
        webhook: view(&row)?,
        secret,
    })
}

pub async fn list(state: &State, team: String) -> Result<WebhookList, ApiError> {
    let rows = state.db.run(move |c| store::list(c, &team)).await?;
    Ok(WebhookList {
        webhooks: rows.iter().map(view).collect::<Result<_, _>>()?,
    })
}

pub async fn get(state: &State, team: String, id: Uuid) -> Result<Webhook, ApiError> {
    let row = state.db.run(move |c| team_webhook(c, &team, id)).await?;
    view(&row)
}

/// Deletes a subscription and its queue (what was not delivered yet is dropped).
pub async fn delete(
    state: &State,
    team: String,
    actor: String,
    id: Uuid,
) -> Result<Webhook, ApiError> {
    let row = state
        .db
        .write(move |c| {
            let row = team_webhook(c, &team, id)?;
            store::delete(c, &row.id)?;
            audit(c, EventType::WebhookDeleted, &actor, &row)?;
            Ok(row)
        })
        .await?;
    view(&row)
}

/// A new secret; the old one keeps signing (a second signature) for the overlap.
pub async fn rotate(
    state: &State,
    team: String,
    actor: String,
    id: Uuid,
    req: RotateWebhookSecret,
) -> Result<WebhookWithSecret, ApiError> {
    let overlap = req.overlap_secs.unwrap_or(DEFAULT_OVERLAP_SECS);
    if overlap > MAX_OVERLAP_SECS {
        return Err(ApiError::invalid_field(format!(
            "overlap_secs: at most {MAX_OVERLAP_SECS}"
        )));
    }
    let secret = signature::new_secret();
    let new = secret.clone();
    let row = state
        .db
        .write(move |c| {
            let mut row = team_webhook(c, &team, id)?;
            let until = (overlap > 0).then(|| now() + chrono::Duration::seconds(overlap.into()));
            let previous = until.map(|_| row.secret.clone());
            store::set_secrets(c, &row.id, &new, previous.as_deref(), until)?;
            row.previous_secret = previous;
            row.previous_secret_expires_at = until;
            row.secret = new;
            audit(c, EventType::WebhookSecretRotated, &actor, &row)?;
            Ok(row)
        })
        .await?;
    Ok(WebhookWithSecret {
        webhook: view(&row)?,
        secret,
    })
}

/// Queues a `webhook.test` event for the subscription, through the same queue as real ones.
pub async fn test(
    state: &State,
    team: String,
    actor: String,
    id: Uuid,
) -> Result<WebhookDelivery, ApiError> {
    let row = state
        .db
        .write(move |c| {
            let w = team_webhook(c, &team, id)?;
            let mut ev = liftoff_kit::outbox::event(crate::NAME, EventType::WebhookTest);
            ev.team = Some(w.team.clone());
            ev.actor = Some(actor);
            ev.data = serde_json::json!({"webhook_id": w.id});
            let mut d = fanout::delivery(&w.id, &w.team, &ev)?;
            d.subject = format!("webhooks/{}", w.id);
            d.body = {
                let mut ce = fanout::cloud_event(&ev);
                ce["subject"] = serde_json::Value::String(d.subject.clone());
                serde_json::to_string(&ce)?
            };
            let delivery_id = d.delivery_id.clone();
            store::enqueue(c, &[d])?;
            liftoff_kit::outbox::mark_written();
            store::delivery_by_uuid(c, &w.id, &delivery_id)?
                .ok_or_else(|| ApiError::internal("the test delivery vanished"))
        })
        .await?;
    delivery_view(row, Vec::new())
}

fn delivery_view(r: DeliveryRow, attempts: Vec<AttemptRow>) -> Result<WebhookDelivery, ApiError> {
    let status = DeliveryStatus::parse(&r.status)
        .ok_or_else(|| ApiError::internal(format!("unknown delivery status {}", r.status)))?;
    Ok(WebhookDelivery {
        delivery_id: uuid(&r.delivery_id)?,
        webhook_id: uuid(&r.webhook_id)?,
        event_id: uuid(&r.event_id)?,
        event_type: r.event_type,
        subject: r.subject,
        status,
        attempts: r.attempts.max(0) as u32,
        created_at: to_utc(r.created_at),
        next_attempt_at: (status == DeliveryStatus::Pending).then(|| to_utc(r.next_attempt_at)),
        finished_at: r.finished_at.map(to_utc),
        attempt_log: attempts
            .into_iter()
            .map(|a| DeliveryAttempt {
                attempted_at: to_utc(a.attempted_at),
                status_code: a.status_code.and_then(|s| u16::try_from(s).ok()),
                latency_ms: a.latency_ms.max(0) as u64,
                response: a.response,
                error: a.error,
            })
            .collect(),
    })
}

/// A subscription's deliveries, newest first, each with its attempts.
pub async fn deliveries(
    state: &State,
    team: String,
    id: Uuid,
    status: Option<DeliveryStatus>,
    limit: Option<u32>,
    cursor: Option<String>,
) -> Result<DeliveryPage, ApiError> {
    let limit = i64::from(limit.unwrap_or(50));
    if !(1..=500).contains(&limit) {
        return Err(ApiError::invalid_field("limit: 1 to 500"));
    }
    let before = cursor
        .map(|c| {
            c.parse::<i64>()
                .map_err(|_| ApiError::invalid_field("cursor: not a cursor this API gave"))
        })
        .transpose()?;
    let (rows, attempts) = state
        .db
        .run(move |c| {
            let w = team_webhook(c, &team, id)?;
            let rows =
                store::deliveries(c, &w.id, status.map(DeliveryStatus::as_str), before, limit)?;
            let ids: Vec<String> = rows.iter().map(|r| r.delivery_id.clone()).collect();
            let attempts = store::attempts_of(c, &ids)?;
            Ok((rows, attempts))
        })
        .await?;
    let next_cursor = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r.id.to_string()))
        .flatten();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let mine = attempts
            .iter()
            .filter(|a| a.delivery_id == r.delivery_id)
            .cloned()
            .collect();
        out.push(delivery_view(r, mine)?);
    }
    Ok(DeliveryPage {
        deliveries: out,
        next_cursor,
    })
}

/// Puts a delivered or dead-lettered delivery back in the queue (409 while it is pending).
pub async fn redeliver(
    state: &State,
    team: String,
    id: Uuid,
    delivery: Uuid,
) -> Result<WebhookDelivery, ApiError> {
    let (row, attempts) = state
        .db
        .write(move |c| {
            let w = team_webhook(c, &team, id)?;
            let d = store::delivery_by_uuid(c, &w.id, &delivery.to_string())?
                .ok_or_else(|| ApiError::not_found(format!("delivery {delivery} not found")))?;
            if d.status == DeliveryStatus::Pending.as_str() {
                return Err(ApiError::conflict(
                    "delivery_pending",
                    "the delivery is still queued; it is attempted again on its own",
                ));
            }
            store::requeue(c, d.id, now())?;
            liftoff_kit::outbox::mark_written();
            let d = store::delivery(c, d.id)?
                .ok_or_else(|| ApiError::internal("the delivery vanished"))?;
            let attempts = store::attempts_of(c, std::slice::from_ref(&d.delivery_id))?;
            Ok((d, attempts))
        })
        .await?;
    delivery_view(row, attempts)
}
