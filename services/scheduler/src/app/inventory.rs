//! Telling host-registry what each host runs. host-registry's database is the authority for
//! the inventory; the scheduler is where a host's deployment is known to have succeeded. So
//! the success is queued in the service's outbox (`liftoff_kit::outbox`, destination
//! host-registry) in the transaction that records it, and the outbox relay delivers it as soon
//! as that commits: oldest first, deleted only once acknowledged, with backoff while the
//! registry is unreachable. The registry keeps the latest success per host and application,
//! so a report delivered twice, or by two replicas at once, changes nothing.
//!
//! The same channel tells the registry how a host's part of a deployment, and a rollout,
//! ended ([`record_outcomes`], from every progress report's transaction), so it settles a
//! scale-out install (in service, failed, join again) without asking for the rollout.

use chrono::NaiveDateTime;
use liftoff_kit::db::{to_utc, uuid};
use liftoff_kit::outbox::{self, Destination};
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::events::EventType;
use liftoff_types::registry::{HostRevisionReport, InstallOutcome};
use liftoff_types::scheduler::RolloutStatus;

use crate::store::commands::CommandRow;
use crate::store::inventory::{self, SuccessRow};
use crate::store::rollouts::RolloutRow;
use crate::store::targets::TargetRow;

/// Most rows of the old `inventory_outbox` moved per call.
const LEGACY_BATCH: i64 = 500;

/// Queues the news that `command`'s deployment succeeded on its host; call in the transaction
/// that records the success.
pub fn record_success(
    c: &mut AnyConnection,
    command: &CommandRow,
    rollout: &RolloutRow,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    let report = HostRevisionReport {
        host_id: uuid(&command.host_id)?,
        team: rollout.team.clone(),
        application: rollout.application.clone(),
        deployment_group: rollout.deployment_group.clone(),
        deployment_group_id: uuid(&rollout.deployment_group_id)?,
        deployment_id: uuid(&rollout.deployment_id)?,
        revision_id: uuid(&rollout.revision_id)?,
        succeeded_at: to_utc(at),
    };
    enqueue(c, &report)
}

fn enqueue(c: &mut AnyConnection, report: &HostRevisionReport) -> Result<(), ApiError> {
    let mut event = outbox::event(crate::NAME, EventType::InventoryHostRevision);
    event.team = Some(report.team.clone());
    event.application = Some(report.application.clone());
    event.deployment_group = Some(report.deployment_group.clone());
    event.deployment_id = Some(report.deployment_id);
    event.host_id = Some(report.host_id);
    event.revision_id = Some(report.revision_id);
    event.data = serde_json::to_value(report)?;
    outbox::enqueue_to(c, Destination::HostRegistry, &event)
}

/// Queues an install outcome for every target in `changed` whose part of the rollout ended,
/// and one for the rollout itself when it `ended` (so a host the rollout ended without is
/// judged too); call in the transaction that reports the change, which holds the rollout's
/// lock, so the outcomes of one rollout are queued in the order they happened.
pub fn record_outcomes(
    c: &mut AnyConnection,
    rollout: &RolloutRow,
    changed: &[TargetRow],
    ended: Option<RolloutStatus>,
) -> Result<(), ApiError> {
    let deployment_id = uuid(&rollout.deployment_id)?;
    for t in changed {
        let status = t.status;
        if !status.is_terminal() {
            continue;
        }
        let outcome = InstallOutcome {
            host_id: Some(uuid(&t.host_id)?),
            host_status: Some(status),
            error_code: t.error_code.clone(),
            message: t.message.clone(),
            ..outcome(rollout, deployment_id)
        };
        enqueue_outcome(c, rollout, outcome)?;
    }
    if let Some(status) = ended {
        let outcome = InstallOutcome {
            rollout_status: Some(status),
            error_code: rollout.error_code.clone(),
            ..outcome(rollout, deployment_id)
        };
        enqueue_outcome(c, rollout, outcome)?;
    }
    Ok(())
}

fn outcome(rollout: &RolloutRow, deployment_id: uuid::Uuid) -> InstallOutcome {
    InstallOutcome {
        // Replaced by the envelope's id on delivery.
        event_id: uuid::Uuid::nil(),
        team: rollout.team.clone(),
        deployment_id,
        host_id: None,
        host_status: None,
        rollout_status: None,
        error_code: None,
        message: None,
        occurred_at: chrono::Utc::now(),
    }
}

fn enqueue_outcome(
    c: &mut AnyConnection,
    rollout: &RolloutRow,
    mut outcome: InstallOutcome,
) -> Result<(), ApiError> {
    let mut event = outbox::event(crate::NAME, EventType::InstallOutcome);
    outcome.event_id = event.event_id;
    event.team = Some(rollout.team.clone());
    event.application = Some(rollout.application.clone());
    event.deployment_group = Some(rollout.deployment_group.clone());
    event.deployment_id = Some(outcome.deployment_id);
    event.host_id = outcome.host_id;
    event.revision_id = Some(uuid(&rollout.revision_id)?);
    event.data = serde_json::to_value(&outcome)?;
    outbox::enqueue_to(c, Destination::HostRegistry, &event)
}

fn report(row: &SuccessRow) -> Result<HostRevisionReport, ApiError> {
    Ok(HostRevisionReport {
        host_id: uuid(&row.host_id)?,
        team: row.team.clone(),
        application: row.application.clone(),
        deployment_group: row.deployment_group.clone(),
        deployment_group_id: uuid(&row.deployment_group_id)?,
        deployment_id: uuid(&row.deployment_id)?,
        revision_id: uuid(&row.revision_id)?,
        succeeded_at: to_utc(row.succeeded_at),
    })
}

/// The tick's call: moves what an older scheduler left in `inventory_outbox` (a read when
/// there is none, the usual case: no write transaction).
pub async fn move_legacy_reports(db: &liftoff_kit::Db) -> Result<usize, ApiError> {
    if db.run(|c| inventory::oldest(c, 1)).await?.is_empty() {
        return Ok(0);
    }
    let n = db.write(move_legacy).await?;
    tracing::info!(
        reports = n,
        "moved inventory reports of the old outbox into the service outbox"
    );
    Ok(n)
}

/// Moves reports that an older scheduler left in its own `inventory_outbox` (before the
/// inventory went through the service outbox) into the outbox, oldest first, in one
/// transaction: nothing queued before an upgrade is lost. Costs one indexed read when the old
/// table is empty, as it stays once drained. Returns how many moved.
pub fn move_legacy(c: &mut AnyConnection) -> Result<usize, ApiError> {
    let rows = inventory::oldest(c, LEGACY_BATCH)?;
    if rows.is_empty() {
        return Ok(0);
    }
    for row in &rows {
        enqueue(c, &report(row)?)?;
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    inventory::delete(c, &ids)?;
    Ok(rows.len())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::Text;
    use diesel_migrations::MigrationHarness;

    use super::*;
    use crate::store::inventory::NewSuccess;

    #[derive(QueryableByName)]
    struct Queued {
        #[diesel(sql_type = Text)]
        destination: String,
        #[diesel(sql_type = Text)]
        payload: String,
    }

    /// Reports an older scheduler left in `inventory_outbox` move, oldest first and intact,
    /// into the service outbox for host-registry, and the old table empties.
    #[test]
    fn reports_of_the_old_outbox_move_into_the_service_outbox_intact_and_in_order() {
        let mut c = AnyConnection::Sqlite(diesel::SqliteConnection::establish(":memory:").unwrap());
        c.run_pending_migrations(crate::SQLITE_MIGRATIONS).unwrap();
        let ids: Vec<String> = (0..3).map(|_| uuid::Uuid::now_v7().to_string()).collect();
        for (i, host) in ids.iter().enumerate() {
            let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
                .unwrap()
                .and_hms_micro_opt(10, 0, i as u32, 123_456)
                .unwrap();
            inventory::insert(
                &mut c,
                &NewSuccess {
                    host_id: host.clone(),
                    team: "t".into(),
                    application: "shop".into(),
                    deployment_group: "web".into(),
                    deployment_group_id: ids[0].clone(),
                    deployment_id: ids[1].clone(),
                    revision_id: ids[2].clone(),
                    succeeded_at: at,
                    created_at: at,
                },
            )
            .unwrap();
        }
        assert_eq!(move_legacy(&mut c).unwrap(), 3);
        assert_eq!(move_legacy(&mut c).unwrap(), 0, "the old table is empty");
        let queued: Vec<Queued> =
            diesel::sql_query("SELECT destination, payload FROM outbox ORDER BY id")
                .load(&mut c)
                .unwrap();
        assert_eq!(queued.len(), 3);
        for (i, q) in queued.iter().enumerate() {
            assert_eq!(q.destination, "host-registry");
            let event: liftoff_types::history::HistoryEvent =
                serde_json::from_str(&q.payload).unwrap();
            assert_eq!(event.event_type, EventType::InventoryHostRevision.as_str());
            let r: HostRevisionReport = serde_json::from_value(event.data).unwrap();
            assert_eq!(r.host_id.to_string(), ids[i]);
            assert_eq!(r.deployment_id.to_string(), ids[1]);
            assert_eq!(
                r.succeeded_at.to_rfc3339(),
                format!("2026-12-01T10:00:0{i}.123456+00:00")
            );
        }
    }
}
