//! Webhook subscriptions, their delivery queue and the attempts made.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};

use crate::schema::{webhook_attempts, webhook_deliveries, webhooks};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhooks)]
pub struct WebhookRow {
    pub id: String,
    pub team: String,
    pub url: String,
    /// JSON array of patterns.
    pub events: String,
    pub application: Option<String>,
    pub deployment_group: Option<String>,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<NaiveDateTime>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = webhook_deliveries)]
pub struct NewDelivery {
    pub delivery_id: String,
    pub webhook_id: String,
    pub team: String,
    pub event_id: String,
    pub event_type: String,
    pub subject: String,
    pub body: String,
    pub status: &'static str,
    pub attempts: i32,
    pub queued_at: NaiveDateTime,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: i64,
    pub delivery_id: String,
    pub webhook_id: String,
    pub event_id: String,
    pub event_type: String,
    pub subject: String,
    pub body: String,
    pub status: String,
    pub attempts: i32,
    pub queued_at: NaiveDateTime,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_attempts)]
pub struct AttemptRow {
    pub delivery_id: String,
    pub attempted_at: NaiveDateTime,
    pub status_code: Option<i32>,
    pub latency_ms: i64,
    pub response: Option<String>,
    pub error: Option<String>,
}

pub fn insert(c: &mut AnyConnection, row: &WebhookRow) -> Result<(), ApiError> {
    diesel::insert_into(webhooks::table)
        .values(row.clone())
        .execute(c)?;
    Ok(())
}

/// A team's subscription; another team's does not exist.
pub fn get(c: &mut AnyConnection, team: &str, id: &str) -> Result<Option<WebhookRow>, ApiError> {
    Ok(webhooks::table
        .filter(webhooks::id.eq(id))
        .filter(webhooks::team.eq(team))
        .select(WebhookRow::as_select())
        .first(c)
        .optional()?)
}

pub fn by_id(c: &mut AnyConnection, id: &str) -> Result<Option<WebhookRow>, ApiError> {
    Ok(webhooks::table
        .find(id)
        .select(WebhookRow::as_select())
        .first(c)
        .optional()?)
}

pub fn list(c: &mut AnyConnection, team: &str) -> Result<Vec<WebhookRow>, ApiError> {
    Ok(webhooks::table
        .filter(webhooks::team.eq(team))
        .select(WebhookRow::as_select())
        .order((webhooks::created_at.asc(), webhooks::id.asc()))
        .load(c)?)
}

/// Every subscription of the given teams (for fanning a batch of events out).
pub fn of_teams(c: &mut AnyConnection, teams: &[String]) -> Result<Vec<WebhookRow>, ApiError> {
    if teams.is_empty() {
        return Ok(Vec::new());
    }
    Ok(webhooks::table
        .filter(webhooks::team.eq_any(teams))
        .select(WebhookRow::as_select())
        .order(webhooks::id.asc())
        .load(c)?)
}

pub fn count(c: &mut AnyConnection, team: &str) -> Result<i64, ApiError> {
    Ok(webhooks::table
        .filter(webhooks::team.eq(team))
        .count()
        .get_result(c)?)
}

/// Removes a subscription with its queue and attempts.
pub fn delete(c: &mut AnyConnection, id: &str) -> Result<(), ApiError> {
    let deliveries = webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(id))
        .select(webhook_deliveries::delivery_id);
    diesel::delete(
        webhook_attempts::table.filter(webhook_attempts::delivery_id.eq_any(deliveries)),
    )
    .execute(c)?;
    diesel::delete(webhook_deliveries::table.filter(webhook_deliveries::webhook_id.eq(id)))
        .execute(c)?;
    diesel::delete(webhooks::table.find(id)).execute(c)?;
    Ok(())
}

pub fn set_secrets(
    c: &mut AnyConnection,
    id: &str,
    secret: &str,
    previous: Option<&str>,
    previous_expires_at: Option<NaiveDateTime>,
) -> Result<(), ApiError> {
    diesel::update(webhooks::table.find(id))
        .set((
            webhooks::secret.eq(secret),
            webhooks::previous_secret.eq(previous),
            webhooks::previous_secret_expires_at.eq(previous_expires_at),
        ))
        .execute(c)?;
    Ok(())
}

/// Appends deliveries in order (multi-row inserts per backend, as the log's).
pub fn enqueue(c: &mut AnyConnection, rows: &[NewDelivery]) -> Result<(), ApiError> {
    for chunk in rows.chunks(200) {
        match c {
            AnyConnection::Postgresql(c) => {
                diesel::insert_into(webhook_deliveries::table)
                    .values(chunk)
                    .execute(c)?;
            }
            AnyConnection::Sqlite(c) => {
                diesel::insert_into(webhook_deliveries::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
    }
    Ok(())
}

/// A pending delivery as the attempt scheduler sees it: (row id, due at, leased until).
pub type PendingHead = (i64, NaiveDateTime, Option<NaiveDateTime>);

/// The oldest pending delivery of every subscription's every subject (only those may go:
/// a later one waits behind its subject's head), in queue order.
pub fn pending_heads(c: &mut AnyConnection) -> Result<Vec<PendingHead>, ApiError> {
    let ids: Vec<Option<i64>> = webhook_deliveries::table
        .filter(webhook_deliveries::status.eq("pending"))
        .group_by((webhook_deliveries::webhook_id, webhook_deliveries::subject))
        .select(diesel::dsl::min(webhook_deliveries::id))
        .load(c)?;
    let ids: Vec<i64> = ids.into_iter().flatten().collect();
    heads_among(c, &ids)
}

/// The head of one subscription's subject, if it has a pending delivery.
pub fn pending_head_of(
    c: &mut AnyConnection,
    webhook_id: &str,
    subject: &str,
) -> Result<Option<PendingHead>, ApiError> {
    let id: Option<i64> = webhook_deliveries::table
        .filter(webhook_deliveries::status.eq("pending"))
        .filter(webhook_deliveries::webhook_id.eq(webhook_id))
        .filter(webhook_deliveries::subject.eq(subject))
        .select(diesel::dsl::min(webhook_deliveries::id))
        .get_result(c)?;
    Ok(heads_among(c, &id.into_iter().collect::<Vec<_>>())?.pop())
}

fn heads_among(c: &mut AnyConnection, ids: &[i64]) -> Result<Vec<PendingHead>, ApiError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        out.extend(
            webhook_deliveries::table
                .filter(webhook_deliveries::id.eq_any(chunk))
                .select((
                    webhook_deliveries::id,
                    webhook_deliveries::next_attempt_at,
                    webhook_deliveries::lease_until,
                ))
                .load::<PendingHead>(c)?,
        );
    }
    out.sort_by_key(|h| h.0);
    Ok(out)
}

/// Leases a pending delivery until `until` unless another run holds it; true if taken.
pub fn claim(
    c: &mut AnyConnection,
    id: i64,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<bool, ApiError> {
    let n = diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::id.eq(id))
            .filter(webhook_deliveries::status.eq("pending"))
            .filter(
                webhook_deliveries::lease_until
                    .is_null()
                    .or(webhook_deliveries::lease_until.lt(now)),
            ),
    )
    .set(webhook_deliveries::lease_until.eq(Some(until)))
    .execute(c)?;
    Ok(n == 1)
}

pub fn delivery(c: &mut AnyConnection, id: i64) -> Result<Option<DeliveryRow>, ApiError> {
    Ok(webhook_deliveries::table
        .find(id)
        .select(DeliveryRow::as_select())
        .first(c)
        .optional()?)
}

pub fn delivery_by_uuid(
    c: &mut AnyConnection,
    webhook_id: &str,
    delivery_id: &str,
) -> Result<Option<DeliveryRow>, ApiError> {
    Ok(webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(webhook_id))
        .filter(webhook_deliveries::delivery_id.eq(delivery_id))
        .select(DeliveryRow::as_select())
        .first(c)
        .optional()?)
}

/// What an attempt changes on its delivery.
pub enum Outcome {
    Delivered,
    Retry(NaiveDateTime),
    Dead,
}

/// Records an attempt and its outcome, if the delivery is still there (its subscription may
/// have been deleted meanwhile); true if it was.
pub fn record_attempt(
    c: &mut AnyConnection,
    id: i64,
    attempt: &AttemptRow,
    outcome: &Outcome,
) -> Result<bool, ApiError> {
    let target = webhook_deliveries::table.filter(webhook_deliveries::id.eq(id));
    let attempts = webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1);
    let none: Option<NaiveDateTime> = None;
    let n = match outcome {
        Outcome::Delivered => diesel::update(target)
            .set((
                attempts,
                webhook_deliveries::status.eq("delivered"),
                webhook_deliveries::lease_until.eq(none),
                webhook_deliveries::finished_at.eq(Some(attempt.attempted_at)),
            ))
            .execute(c)?,
        Outcome::Dead => diesel::update(target)
            .set((
                attempts,
                webhook_deliveries::status.eq("dead"),
                webhook_deliveries::lease_until.eq(none),
                webhook_deliveries::finished_at.eq(Some(attempt.attempted_at)),
            ))
            .execute(c)?,
        Outcome::Retry(at) => diesel::update(target)
            .set((
                attempts,
                webhook_deliveries::next_attempt_at.eq(*at),
                webhook_deliveries::lease_until.eq(none),
            ))
            .execute(c)?,
    };
    if n == 0 {
        return Ok(false);
    }
    diesel::insert_into(webhook_attempts::table)
        .values(attempt.clone())
        .execute(c)?;
    Ok(true)
}

/// Puts a finished delivery back in the queue, due now, its maximum age counted afresh.
pub fn requeue(c: &mut AnyConnection, id: i64, now: NaiveDateTime) -> Result<(), ApiError> {
    let none: Option<NaiveDateTime> = None;
    diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq(id)))
        .set((
            webhook_deliveries::status.eq("pending"),
            webhook_deliveries::queued_at.eq(now),
            webhook_deliveries::next_attempt_at.eq(now),
            webhook_deliveries::lease_until.eq(none),
            webhook_deliveries::finished_at.eq(none),
        ))
        .execute(c)?;
    Ok(())
}

/// A subscription's deliveries, newest first, below `before` (a row id).
pub fn deliveries(
    c: &mut AnyConnection,
    webhook_id: &str,
    status: Option<&'static str>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<DeliveryRow>, ApiError> {
    let mut q = webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(webhook_id))
        .select(DeliveryRow::as_select())
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(webhook_deliveries::status.eq(s));
    }
    if let Some(b) = before {
        q = q.filter(webhook_deliveries::id.lt(b));
    }
    Ok(q.order(webhook_deliveries::id.desc())
        .limit(limit)
        .load(c)?)
}

/// The attempts of these deliveries, oldest first.
pub fn attempts_of(c: &mut AnyConnection, ids: &[String]) -> Result<Vec<AttemptRow>, ApiError> {
    Ok(webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(ids))
        .select(AttemptRow::as_select())
        .order(webhook_attempts::id.asc())
        .load(c)?)
}

/// How many deliveries wait, and since when the oldest does.
pub fn backlog(c: &mut AnyConnection) -> Result<(i64, Option<NaiveDateTime>), ApiError> {
    Ok(webhook_deliveries::table
        .filter(webhook_deliveries::status.eq("pending"))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::min(webhook_deliveries::queued_at),
        ))
        .get_result(c)?)
}

/// Removes finished deliveries (and their attempts) that finished before `cutoff`.
pub fn purge_finished(c: &mut AnyConnection, cutoff: NaiveDateTime) -> Result<u64, ApiError> {
    let old = webhook_deliveries::table
        .filter(webhook_deliveries::status.ne("pending"))
        .filter(webhook_deliveries::finished_at.lt(cutoff))
        .select(webhook_deliveries::delivery_id);
    diesel::delete(webhook_attempts::table.filter(webhook_attempts::delivery_id.eq_any(old)))
        .execute(c)?;
    let n = diesel::delete(
        webhook_deliveries::table
            .filter(webhook_deliveries::status.ne("pending"))
            .filter(webhook_deliveries::finished_at.lt(cutoff)),
    )
    .execute(c)?;
    Ok(n as u64)
}
