//! Autoscaling lifecycle actions.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::autoscaling::LifecycleActionStatus;

use crate::schema::lifecycle_actions;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = lifecycle_actions)]
pub struct ActionRow {
    pub id: String,
    pub event_id: String,
    pub direction: String,
    pub instance_id: String,
    pub asg_name: Option<String>,
    pub hook_name: Option<String>,
    pub action_token: Option<String>,
    pub host_id: Option<String>,
    pub team: Option<String>,
    pub status: LifecycleActionStatus,
    pub result: Option<String>,
    pub default_result: String,
    pub message: Option<String>,
    pub deadline: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub completed_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut AnyConnection, row: &ActionRow) -> Result<(), ApiError> {
    diesel::insert_into(lifecycle_actions::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<ActionRow>, ApiError> {
    Ok(lifecycle_actions::table
        .find(id)
        .select(ActionRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn by_event_id(
    conn: &mut AnyConnection,
    event_id: &str,
) -> Result<Option<ActionRow>, ApiError> {
    Ok(lifecycle_actions::table
        .filter(lifecycle_actions::event_id.eq(event_id))
        .select(ActionRow::as_select())
        .first(conn)
        .optional()?)
}

/// Open actions of one direction for an instance.
pub fn open_for_instance(
    conn: &mut AnyConnection,
    instance_id: &str,
    direction: &str,
) -> Result<Vec<ActionRow>, ApiError> {
    Ok(lifecycle_actions::table
        .filter(lifecycle_actions::instance_id.eq(instance_id))
        .filter(lifecycle_actions::direction.eq(direction))
        .filter(lifecycle_actions::status.eq(LifecycleActionStatus::InProgress))
        .select(ActionRow::as_select())
        .load(conn)?)
}

pub fn attach_host(
    conn: &mut AnyConnection,
    id: &str,
    host_id: &str,
    team: &str,
) -> Result<(), ApiError> {
    diesel::update(lifecycle_actions::table.find(id))
        .set((
            lifecycle_actions::host_id.eq(Some(host_id)),
            lifecycle_actions::team.eq(Some(team)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records the answer, once: false if the action was already answered or timed out.
pub fn complete(
    conn: &mut AnyConnection,
    id: &str,
    status: LifecycleActionStatus,
    result: &str,
    message: &str,
    at: NaiveDateTime,
) -> Result<bool, ApiError> {
    let n = diesel::update(
        lifecycle_actions::table
            .filter(lifecycle_actions::id.eq(id))
            .filter(lifecycle_actions::status.eq(LifecycleActionStatus::InProgress)),
    )
    .set((
        lifecycle_actions::status.eq(status),
        lifecycle_actions::result.eq(Some(result)),
        lifecycle_actions::message.eq(Some(message)),
        lifecycle_actions::completed_at.eq(Some(at)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Open actions whose deadline passed.
pub fn overdue(conn: &mut AnyConnection, at: NaiveDateTime) -> Result<Vec<ActionRow>, ApiError> {
    Ok(lifecycle_actions::table
        .filter(lifecycle_actions::status.eq(LifecycleActionStatus::InProgress))
        .filter(lifecycle_actions::deadline.le(at))
        .select(ActionRow::as_select())
        .limit(500)
        .load(conn)?)
}

/// The newest actions, for one team (its hosts) or for every team.
pub fn list(conn: &mut AnyConnection, team: Option<&str>) -> Result<Vec<ActionRow>, ApiError> {
    let mut q = lifecycle_actions::table
        .select(ActionRow::as_select())
        .order(lifecycle_actions::created_at.desc())
        .limit(500)
        .into_boxed();
    if let Some(t) = team {
        q = q.filter(lifecycle_actions::team.eq(t.to_string()));
    }
    Ok(q.load(conn)?)
}
