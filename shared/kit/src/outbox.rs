//! The transactional outbox: a service writes the events it must publish in the same
//! transaction as its state change; the relay delivers them to history in order, with retries.
//! History deduplicates by event id, so delivering twice is harmless.

use diesel::prelude::*;
use liftoff_client::HistoryClient;
use liftoff_types::history::{EventBatch, HistoryEvent};
use uuid::Uuid;

use crate::db::{AnyConnection, Db, now};
use crate::error::ApiError;

diesel::table! {
    outbox (id) {
        id -> BigInt,
        event_id -> Text,
        payload -> Text,
        created_at -> Timestamp,
        attempts -> Integer,
        last_error -> Nullable<Text>,
    }
}

#[derive(Insertable)]
#[diesel(table_name = outbox)]
struct NewOutboxRow {
    event_id: String,
    payload: String,
    created_at: chrono::NaiveDateTime,
    attempts: i32,
}

/// The DDL every service's migrations include (per backend).
pub const POSTGRES_DDL: &str = "CREATE TABLE outbox (id BIGSERIAL PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, payload TEXT NOT NULL, created_at TIMESTAMP NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT);";

/// Builds an event of `source` with a fresh id, stamped now.
pub fn event(source: &str, event_type: &str) -> HistoryEvent {
    HistoryEvent {
        event_id: Uuid::now_v7(),
        source: source.to_string(),
        event_type: event_type.to_string(),
        occurred_at: chrono::Utc::now(),
        team: None,
        actor: None,
        application: None,
        deployment_group: None,
        deployment_id: None,
        host_id: None,
        revision_id: None,
        data: serde_json::Value::Null,
    }
}

/// Records `event` for delivery; call inside the transaction that makes the change.
pub fn enqueue(conn: &mut AnyConnection, event: &HistoryEvent) -> Result<(), ApiError> {
    diesel::insert_into(outbox::table)
        .values(NewOutboxRow {
            event_id: event.event_id.to_string(),
            payload: serde_json::to_string(event)?,
            created_at: now(),
            attempts: 0,
        })
        .execute(conn)?;
    Ok(())
}

/// Delivers up to `batch` of the oldest pending events; returns how many were delivered.
/// On a delivery failure nothing is skipped: the same events are tried again next time.
pub async fn relay_once(db: &Db, history: &HistoryClient, batch: i64) -> Result<usize, ApiError> {
    let rows: Vec<(i64, String)> = db
        .run(move |c| {
            Ok(outbox::table
                .select((outbox::id, outbox::payload))
                .order(outbox::id.asc())
                .limit(batch)
                .load(c)?)
        })
        .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
    let mut events = Vec::with_capacity(rows.len());
    for (_, payload) in &rows {
        events.push(serde_json::from_str::<HistoryEvent>(payload)?);
    }
    match history.ingest(&EventBatch { events }).await {
        Ok(_) => {
            let n = ids.len();
            db.run(move |c| {
                diesel::delete(outbox::table.filter(outbox::id.eq_any(ids))).execute(c)?;
                Ok(())
            })
            .await?;
            metrics::counter!("liftoff_outbox_delivered_total").increment(n as u64);
            Ok(n)
        }
        Err(err) => {
            let msg = err.to_string();
            db.run(move |c| {
                diesel::update(outbox::table.filter(outbox::id.eq_any(ids)))
                    .set((
                        outbox::attempts.eq(outbox::attempts + 1),
                        outbox::last_error.eq(Some(msg)),
                    ))
                    .execute(c)?;
                Ok(())
            })
            .await?;
            Err(ApiError::unavailable(format!("history unavailable: {err}")))
        }
    }
}

/// How many events wait for delivery.
pub async fn backlog(db: &Db) -> Result<i64, ApiError> {
    db.run(|c| Ok(outbox::table.count().get_result(c)?)).await
}
