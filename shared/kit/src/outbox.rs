//! The transactional outbox: a service writes the events it must publish in the same
//! transaction as its state change; the relay delivers them to their destination (history,
//! or a peer that keeps a copy of the fact: deployment-api for rollout progress and revoked
//! host credentials, host-registry for which revision a host runs, the scheduler for freezes
//! and deployment windows) in order, with retries. Receivers deduplicate by event id, so delivering twice is harmless.
//!
//! Order: every delivery starts at the oldest undelivered event and a row is deleted only after
//! history acknowledged it, so history receives each source's events in outbox order, also
//! when several replicas relay at once (they only send duplicates). Events of one object are
//! written under that object's row lock, so their ids follow their order.
//!
//! Retries: after a failed delivery a relay waits with exponential backoff and jitter
//! (0.5 s doubling to 30 s) before trying again, so a history outage costs a few requests a
//! minute per service, and the backlog drains in order within a backoff period of its return.

use std::time::Duration;

use diesel::prelude::*;
use liftoff_client::ClientError;
use liftoff_types::events::EventType;
use liftoff_types::history::{EventBatch, HistoryEvent};
use liftoff_types::registry::{
    HostRevisionReport, HostRevisionReports, InstallOutcome, InstallOutcomes,
};
use uuid::Uuid;

use crate::db::{AnyConnection, Db, now};
use crate::error::ApiError;
use crate::service::Peers;

mod relay;
pub use relay::{Relay, Relays, backoff_delay, jittered_backoff, relay, relay_forever};

diesel::table! {
    outbox (id) {
        id -> BigInt,
        event_id -> Text,
        payload -> Text,
        created_at -> Timestamp,
        attempts -> Integer,
        last_error -> Nullable<Text>,
        destination -> Text,
    }
}

/// Where an outbox event goes. Each destination is delivered (and backs off) on its own, in
/// outbox order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Destination {
    /// history's event log (`POST /v1/events`).
    History,
    /// deployment-api: its copy of rollout progress, from the scheduler
    /// (`POST /v1/rollout-progress`), and from host-registry the revocation feed (credentials
    /// of deregistered hosts, events of type [`EventType::CredentialRevocation`],
    /// `POST /v1/tokens/revocation-events`) and scale-out requests
    /// ([`EventType::ScaleOutRequested`], `POST /v1/scale-out-requests`).
    DeploymentApi,
    /// host-registry: which revision each host runs (`POST /v1/hosts/revisions`, events whose
    /// `data` is a [`HostRevisionReport`]) and how scale-out installs ended
    /// (`POST /v1/hosts/install-outcomes`, events of type [`EventType::InstallOutcome`]), from
    /// the scheduler; the installs planned for a host (`POST /v1/hosts/scale-out-plans`,
    /// [`EventType::ScaleOutPlanned`]), from deployment-api.
    HostRegistry,
    /// The scheduler's copy of the gates of running rollouts: freezes and groups' windows, from
    /// deployment-api (`POST /v1/gate-changes`); and of the hosts (team, zone, tags, state),
    /// from host-registry (`POST /v1/host-changes`).
    Scheduler,
}

impl Destination {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::History => "history",
            Self::DeploymentApi => "deployment-api",
            Self::HostRegistry => "host-registry",
            Self::Scheduler => "scheduler",
        }
    }

    /// Every destination, in the order a relay run visits them.
    pub const ALL: [Destination; 4] = [
        Self::DeploymentApi,
        Self::HostRegistry,
        Self::Scheduler,
        Self::History,
    ];

    async fn deliver(self, peers: &Peers, batch: &EventBatch) -> Result<(), ClientError> {
        match self {
            Self::History => peers.history().ingest(batch).await.map(|_| ()),
            Self::DeploymentApi => deliver_to_deployment_api(peers, &batch.events).await,
            Self::HostRegistry => deliver_to_registry(peers, &batch.events).await,
            Self::Scheduler => deliver_to_scheduler(peers, &batch.events).await,
        }
    }
}

/// deployment-api takes rollout progress (from the scheduler), credential revocations and
/// scale-out requests (both from host-registry) on three routes: each run of one type in one
/// request, runs in outbox order.
async fn deliver_to_deployment_api(
    peers: &Peers,
    events: &[HistoryEvent],
) -> Result<(), ClientError> {
    let api = peers.deployment_api();
    for run in runs_of_one_type(events) {
        let batch = EventBatch {
            events: run.to_vec(),
        };
        if run[0].is(EventType::CredentialRevocation) {
            api.record_credential_revocations(&batch).await?;
        } else if run[0].is(EventType::ScaleOutRequested) {
            api.request_scale_outs(&batch).await?;
        } else {
            api.record_progress(&batch).await?;
        }
    }
    Ok(())
}

/// The scheduler takes gate changes and group selectors (from deployment-api) and host changes
/// (from host-registry) on two routes; as for the registry, each run of one kind in one
/// request, runs in outbox order.
async fn deliver_to_scheduler(peers: &Peers, events: &[HistoryEvent]) -> Result<(), ClientError> {
    let scheduler = peers.scheduler();
    for run in runs_of_one_type(events) {
        let batch = EventBatch {
            events: run.to_vec(),
        };
        if matches!(
            run[0].kind(),
            Some(EventType::HostMembership | EventType::HostLiveness)
        ) {
            scheduler.record_host_changes(&batch).await?;
        } else {
            scheduler.record_gate_changes(&batch).await?;
        }
    }
    Ok(())
}

/// `events` cut into runs of consecutive events of one type (never empty), in order: a peer
/// that takes each type on its own route gets one request per run, so order per subject holds.
fn runs_of_one_type(events: &[HistoryEvent]) -> impl Iterator<Item = &[HistoryEvent]> {
    events.chunk_by(|a, b| a.event_type == b.event_type)
}

/// host-registry takes two kinds of events on two routes: all of a batch's revision reports in
/// one request, then all its install outcomes in another, each kind in outbox order. The two
/// kinds touch different facts (a host's revisions; its installs), so only the order within a
/// kind matters; revisions go first, so a host an outcome puts in service already shows the
/// revision it installed. (A completion queues one of each: cut into runs of one kind, a busy
/// batch alternated and cost a request per event.) If the second request fails the whole batch
/// stays queued and the first is sent again: both receivers change nothing the second time.
///
/// Scale-out plans come from deployment-api's outbox, never in a batch with the scheduler's
/// kinds: they go on their own route, as they are.
async fn deliver_to_registry(peers: &Peers, events: &[HistoryEvent]) -> Result<(), ClientError> {
    let registry = peers.registry();
    let (plans, events): (Vec<&HistoryEvent>, Vec<&HistoryEvent>) = events
        .iter()
        .partition(|e| e.is(EventType::ScaleOutPlanned));
    if !plans.is_empty() {
        let batch = EventBatch {
            events: plans.into_iter().cloned().collect(),
        };
        registry.record_scale_out_plans(&batch).await?;
    }
    let (outcomes, revisions): (Vec<&HistoryEvent>, Vec<&HistoryEvent>) = events
        .into_iter()
        .partition(|e| e.is(EventType::InstallOutcome));
    for run in [revisions, outcomes] {
        if run.is_empty() {
            continue;
        }
        let kind = run[0].event_type.as_str();
        // Written by this code base from these types: unreadable means a bug, and the batch
        // stays queued (and visible in the backlog) rather than being lost.
        let unreadable =
            |e: serde_json::Error| ClientError::Decode(format!("outbox {kind} event: {e}"));
        if run[0].is(EventType::InstallOutcome) {
            let outcomes = run
                .iter()
                .map(|e| {
                    serde_json::from_value::<InstallOutcome>(e.data.clone()).map(|mut o| {
                        // The envelope's id is the one the receiver deduplicates by.
                        o.event_id = e.event_id;
                        o
                    })
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(unreadable)?;
            registry
                .record_install_outcomes(&InstallOutcomes { outcomes })
                .await?;
        } else {
            let reports = run
                .iter()
                .map(|e| serde_json::from_value::<HostRevisionReport>(e.data.clone()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(unreadable)?;
            registry
                .report_revisions(&HostRevisionReports { reports })
                .await?;
        }
    }
    Ok(())
}

#[derive(Insertable)]
#[diesel(table_name = outbox)]
struct NewOutboxRow {
    event_id: String,
    payload: String,
    created_at: chrono::NaiveDateTime,
    attempts: i32,
    destination: &'static str,
}

/// Most events per delivery.
pub const BATCH_EVENTS: i64 = 200;
/// Most payload bytes per delivery (a batch always holds at least one event); well under
/// history's ingest limit, so big hook-output tails never make a batch undeliverable.
pub const BATCH_BYTES: usize = 4 * 1024 * 1024;
/// The body a receiver of outbox deliveries accepts: a whole batch, plus room for a single
/// event larger than [`BATCH_BYTES`] (a batch always holds at least one).
pub const RECEIVE_BODY_LIMIT: usize = 32 * 1024 * 1024;
/// Most deliveries per relay run, so one run of a large backlog stays bounded in time.
const MAX_BATCHES_PER_RUN: usize = 50;
const BACKOFF_BASE: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(30);

/// Builds an event of `source` with a fresh id, stamped now.
pub fn event(source: &str, event_type: EventType) -> HistoryEvent {
    HistoryEvent {
        event_id: Uuid::now_v7(),
        source: source.to_string(),
        event_type: event_type.as_str().to_string(),
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

/// Records `event` for delivery to history; call inside the transaction that makes the change.
pub fn enqueue(conn: &mut AnyConnection, event: &HistoryEvent) -> Result<(), ApiError> {
    enqueue_to(conn, Destination::History, event)
}

thread_local! {
    /// Set by [`enqueue_to`] on the thread running a database call, read by [`Db`] when the
    /// call returns, so the relay is woken after the commit, not before.
    static ENQUEUED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Says that the database call running on this thread queued work a service delivers
/// itself (history's webhook deliveries), so its [`crate::ServiceApp::relay`] is woken once
/// the call returned, as for outbox events.
pub fn mark_written() {
    ENQUEUED.with(|e| e.set(true));
}

/// Whether the database call that just ran on this thread queued an event (and forgets it).
pub(crate) fn take_enqueued() -> bool {
    ENQUEUED.with(|e| e.replace(false))
}

/// Records `event` for delivery to `to`; call inside the transaction that makes the change.
/// The service's relay is woken when the call returns.
pub fn enqueue_to(
    conn: &mut AnyConnection,
    to: Destination,
    event: &HistoryEvent,
) -> Result<(), ApiError> {
    ENQUEUED.with(|e| e.set(true));
    diesel::insert_into(outbox::table)
        .values(outbox_row(to, event, now())?)
        .execute(conn)?;
    Ok(())
}

fn outbox_row(
    to: Destination,
    event: &HistoryEvent,
    created_at: chrono::NaiveDateTime,
) -> Result<NewOutboxRow, ApiError> {
    Ok(NewOutboxRow {
        event_id: event.event_id.to_string(),
        payload: serde_json::to_string(event)?,
        created_at,
        attempts: 0,
        destination: to.as_str(),
    })
}

/// Records `events` for delivery to `to`, in the order given, with multi-row inserts (one
/// round trip per 200 events on PostgreSQL instead of one each); call inside the transaction
/// that makes the change.
pub fn enqueue_all_to(
    conn: &mut AnyConnection,
    to: Destination,
    events: &[HistoryEvent],
) -> Result<(), ApiError> {
    if events.is_empty() {
        return Ok(());
    }
    ENQUEUED.with(|e| e.set(true));
    let at = now();
    let rows = events
        .iter()
        .map(|event| outbox_row(to, event, at))
        .collect::<Result<Vec<_>, ApiError>>()?;
    // 5 columns a row: well under SQLite's bound-parameter limit. The multi-backend
    // connection has no multi-row VALUES, so per backend; ids follow the order of the rows.
    for chunk in rows.chunks(200) {
        let q = diesel::insert_into(outbox::table).values(chunk);
        match conn {
            AnyConnection::Postgresql(c) => q.execute(c)?,
            AnyConnection::Sqlite(c) => q.execute(c)?,
        };
    }
    Ok(())
}

/// Every event of type `kind` still waiting for delivery to `to`, oldest first. For a service
/// whose queue is also a list it acts on meanwhile (host-registry refuses the credentials it
/// has not yet put on deployment-api's revocation feed). The database picks the rows that
/// name the type, so a backlog of other events (thousands of scale-out requests while a fleet
/// enrolls) is neither read nor parsed; the type of each row it picks is then checked exactly.
pub fn queued(
    c: &mut AnyConnection,
    to: Destination,
    kind: EventType,
) -> Result<Vec<HistoryEvent>, ApiError> {
    use diesel::expression_methods::EscapeExpressionMethods;
    let mut literal = String::new();
    for ch in kind.as_str().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            literal.push('\\');
        }
        literal.push(ch);
    }
    let payloads: Vec<String> = outbox::table
        .filter(outbox::destination.eq(to.as_str()))
        .filter(
            outbox::payload
                .like(format!("%\"{literal}\"%"))
                .escape('\\'),
        )
        .select(outbox::payload)
        .order(outbox::id.asc())
        .load(c)?;
    let mut events = Vec::new();
    for p in &payloads {
        let ev = serde_json::from_str::<HistoryEvent>(p)?;
        if ev.is(kind) {
            events.push(ev);
        }
    }
    Ok(events)
}

/// The oldest pending events: at most `max_events`, and at most `max_bytes` of payload
/// unless the first alone is larger.
fn oldest(
    c: &mut AnyConnection,
    to: Destination,
    max_events: i64,
    max_bytes: usize,
) -> Result<Vec<(i64, String)>, ApiError> {
    let rows: Vec<(i64, String)> = outbox::table
        .filter(outbox::destination.eq(to.as_str()))
        .select((outbox::id, outbox::payload))
        .order(outbox::id.asc())
        .limit(max_events)
        .load(c)?;
    let mut total = 0usize;
    let mut n = 0usize;
    for (_, payload) in &rows {
        if n > 0 && total + payload.len() > max_bytes {
            break;
        }
        total += payload.len();
        n += 1;
    }
    let mut rows = rows;
    rows.truncate(n);
    Ok(rows)
}

async fn deliver_batch(
    db: &Db,
    peers: &Peers,
    to: Destination,
    max_events: i64,
) -> Result<usize, ApiError> {
    let rows = db
        .run(move |c| oldest(c, to, max_events, BATCH_BYTES))
        .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
    let mut events = Vec::with_capacity(rows.len());
    for (_, payload) in &rows {
        events.push(serde_json::from_str::<HistoryEvent>(payload)?);
    }
    match to.deliver(peers, &EventBatch { events }).await {
        Ok(_) => {
            let n = ids.len();
            db.run(move |c| {
                diesel::delete(outbox::table.filter(outbox::id.eq_any(ids))).execute(c)?;
                Ok(())
            })
            .await?;
            metrics::counter!("liftoff_outbox_delivered_total", "destination" => to.as_str())
                .increment(n as u64);
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
            metrics::counter!("liftoff_outbox_delivery_failures_total", "destination" => to.as_str())
                .increment(1);
            if !err.is_retryable() {
                tracing::error!(error = %err, destination = to.as_str(), "a peer refused an outbox batch; it stays queued and is retried with backoff");
            }
            Err(ApiError::unavailable(format!(
                "{} unavailable: {err}",
                to.as_str()
            )))
        }
    }
}

/// How many events wait for delivery, to every destination.
pub async fn backlog(db: &Db) -> Result<i64, ApiError> {
    Ok(backlog_by_destination(db)
        .await?
        .iter()
        .map(|(_, n, _)| n)
        .sum())
}

/// Per destination with events waiting: how many, and when the oldest was written.
async fn backlog_by_destination(
    db: &Db,
) -> Result<Vec<(String, i64, Option<chrono::NaiveDateTime>)>, ApiError> {
    db.run(|c| {
        Ok(outbox::table
            .group_by(outbox::destination)
            .select((
                outbox::destination,
                diesel::dsl::count_star(),
                diesel::dsl::min(outbox::created_at),
            ))
            .load(c)?)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        for failures in 1..40 {
            let d = backoff_delay(failures);
            let exp = BACKOFF_BASE
                .saturating_mul(1u32 << (failures - 1).min(16))
                .min(BACKOFF_MAX);
            assert!(d >= exp / 2 && d <= exp, "{failures}: {d:?} vs {exp:?}");
        }
        assert!(backoff_delay(1) <= Duration::from_millis(500));
        assert!(backoff_delay(30) >= Duration::from_secs(15));
    }

    #[test]
    #[allow(clippy::unwrap_used)]
    fn queued_reads_only_the_events_of_its_type_for_its_destination() {
        use diesel::connection::SimpleConnection;
        let mut sqlite = diesel::SqliteConnection::establish(":memory:").unwrap();
        sqlite
            .batch_execute(
                "CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL \
                 UNIQUE, payload TEXT NOT NULL, created_at TIMESTAMP NOT NULL, attempts INTEGER \
                 NOT NULL DEFAULT 0, last_error TEXT, destination TEXT NOT NULL);",
            )
            .unwrap();
        let mut c = AnyConnection::Sqlite(sqlite);
        let mut put = |to, kind, data: serde_json::Value| {
            let mut ev = event("test", kind);
            ev.data = data;
            enqueue_to(&mut c, to, &ev).unwrap();
            ev.event_id
        };
        let api = Destination::DeploymentApi;
        put(api, EventType::ScaleOutRequested, serde_json::json!({}));
        let wanted = put(
            api,
            EventType::CredentialRevocation,
            serde_json::json!({"jti": "a"}),
        );
        // Names the type only in its data: not one.
        put(
            api,
            EventType::ScaleOutRequested,
            serde_json::json!({"note": "credential.revocation"}),
        );
        put(
            Destination::History,
            EventType::CredentialRevocation,
            serde_json::json!({}),
        );
        let later = put(
            api,
            EventType::CredentialRevocation,
            serde_json::json!({"jti": "b"}),
        );
        let got: Vec<_> = queued(&mut c, api, EventType::CredentialRevocation)
            .unwrap()
            .into_iter()
            .map(|e| e.event_id)
            .collect();
        assert_eq!(got, [wanted, later]);
    }
}
