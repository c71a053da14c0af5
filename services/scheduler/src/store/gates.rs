//! The gates of running rollouts as deployment-api pushed them: freezes, groups' windows, the
//! ids of the pushes applied; and the reason a rollout waits.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::scheduler::RolloutStatus;

use crate::schema::{gate_events, gate_freezes, gate_overrides, gate_windows, rollouts};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = gate_freezes)]
pub struct FreezeRow {
    pub freeze_id: String,
    pub team: String,
    pub application: Option<String>,
    pub ends_at: NaiveDateTime,
    pub lifted_at: Option<NaiveDateTime>,
    pub received_at: NaiveDateTime,
}

/// Records a push by its event id; false when it was applied before (a redelivery).
pub fn first_time(
    conn: &mut AnyConnection,
    event_id: &str,
    at: NaiveDateTime,
) -> Result<bool, ApiError> {
    let seen = gate_events::table
        .find(event_id)
        .select(gate_events::event_id)
        .first::<String>(conn)
        .optional()?;
    if seen.is_some() {
        return Ok(false);
    }
    diesel::insert_into(gate_events::table)
        .values((
            gate_events::event_id.eq(event_id),
            gate_events::received_at.eq(at),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Keeps a freeze's state. A lift is final: a push of an older state does not undo it.
pub fn put_freeze(conn: &mut AnyConnection, row: &FreezeRow) -> Result<(), ApiError> {
    let old = gate_freezes::table
        .find(&row.freeze_id)
        .select(FreezeRow::as_select())
        .first(conn)
        .optional()?;
    let mut row = row.clone();
    if let Some(old) = old {
        row.lifted_at = old.lifted_at.or(row.lifted_at);
        diesel::delete(gate_freezes::table.find(&row.freeze_id)).execute(conn)?;
    }
    diesel::insert_into(gate_freezes::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The freezes of `team` that cover `application` (its own, and the team-wide ones), neither
/// lifted nor ended at `at`.
pub fn freezes_in_force(
    conn: &mut AnyConnection,
    team: &str,
    application: &str,
    at: NaiveDateTime,
) -> Result<Vec<FreezeRow>, ApiError> {
    Ok(gate_freezes::table
        .filter(gate_freezes::team.eq(team))
        .filter(gate_freezes::ends_at.gt(at))
        .filter(gate_freezes::lifted_at.is_null())
        .filter(
            gate_freezes::application
                .is_null()
                .or(gate_freezes::application.eq(application)),
        )
        .order(gate_freezes::ends_at.desc())
        .select(FreezeRow::as_select())
        .load(conn)?)
}

/// Records that a deployment goes on despite `freeze_id` (once).
pub fn add_override(
    conn: &mut AnyConnection,
    deployment_id: &str,
    freeze_id: &str,
) -> Result<(), ApiError> {
    let known = gate_overrides::table
        .find((deployment_id, freeze_id))
        .select(gate_overrides::freeze_id)
        .first::<String>(conn)
        .optional()?;
    if known.is_none() {
        diesel::insert_into(gate_overrides::table)
            .values((
                gate_overrides::deployment_id.eq(deployment_id),
                gate_overrides::freeze_id.eq(freeze_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The freezes overridden for a deployment after its hand-off.
pub fn overrides_of(
    conn: &mut AnyConnection,
    deployment_id: &str,
) -> Result<Vec<String>, ApiError> {
    Ok(gate_overrides::table
        .filter(gate_overrides::deployment_id.eq(deployment_id))
        .select(gate_overrides::freeze_id)
        .load(conn)?)
}

/// Replaces a group's pushed windows (a JSON list of specs).
pub fn put_windows(
    conn: &mut AnyConnection,
    group_id: &str,
    windows: &str,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::delete(gate_windows::table.find(group_id)).execute(conn)?;
    diesel::insert_into(gate_windows::table)
        .values((
            gate_windows::deployment_group_id.eq(group_id),
            gate_windows::windows.eq(windows),
            gate_windows::received_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// A group's pushed windows, if any push came since rollouts started carrying them.
pub fn windows_of(conn: &mut AnyConnection, group_id: &str) -> Result<Option<String>, ApiError> {
    Ok(gate_windows::table
        .find(group_id)
        .select(gate_windows::windows)
        .first(conn)
        .optional()?)
}

/// Sets why a rollout waits (`None`: it does not). The caller holds its lock.
pub fn set_waiting(
    conn: &mut AnyConnection,
    deployment_id: &str,
    waiting_for: Option<&str>,
) -> Result<(), ApiError> {
    diesel::update(rollouts::table.find(deployment_id))
        .set(rollouts::waiting_for.eq(waiting_for))
        .execute(conn)?;
    Ok(())
}

/// The running rollouts (not yet concluded) of `team`, of `application` if given, or of one
/// group: the ones a gate change may resume or pause.
pub fn running_of(
    conn: &mut AnyConnection,
    team: Option<&str>,
    application: Option<&str>,
    group_id: Option<&str>,
) -> Result<Vec<String>, ApiError> {
    let mut q = rollouts::table
        .filter(rollouts::status.eq_any([
            RolloutStatus::InProgress,
            RolloutStatus::Paused,
            RolloutStatus::AwaitingApproval,
        ]))
        .select(rollouts::deployment_id)
        .into_boxed();
    if let Some(t) = team {
        q = q.filter(rollouts::team.eq(t.to_string()));
    }
    if let Some(a) = application {
        q = q.filter(rollouts::application.eq(a.to_string()));
    }
    if let Some(g) = group_id {
        q = q.filter(rollouts::deployment_group_id.eq(g.to_string()));
    }
    Ok(q.load(conn)?)
}
