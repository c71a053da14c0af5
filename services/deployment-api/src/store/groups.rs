//! Deployment groups.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};

use crate::schema::{applications, deployment_groups};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = deployment_groups)]
pub struct GroupRow {
    pub id: String,
    pub application_id: String,
    pub name: String,
    pub selector: String,
    pub deployment_config: String,
    pub auto_rollback: bool,
    pub concurrency_policy: String,
    pub stage: Option<String>,
    pub last_successful_revision_id: Option<String>,
    pub last_successful_deployment_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The bundle's traffic hooks run (CodeDeploy's order): traffic is managed by them.
    pub traffic_hooks: bool,
    /// JSON `HealthAnalysis`; `None`: no analysis.
    pub health_analysis: Option<String>,
}

pub fn insert(conn: &mut AnyConnection, row: &GroupRow) -> Result<(), ApiError> {
    diesel::insert_into(deployment_groups::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn by_name(
    conn: &mut AnyConnection,
    application_id: &str,
    name: &str,
) -> Result<Option<GroupRow>, ApiError> {
    Ok(deployment_groups::table
        .filter(deployment_groups::application_id.eq(application_id))
        .filter(deployment_groups::name.eq(name))
        .select(GroupRow::as_select())
        .first(conn)
        .optional()?)
}

/// All the application's groups, by name.
pub fn all(conn: &mut AnyConnection, application_id: &str) -> Result<Vec<GroupRow>, ApiError> {
    list(conn, application_id, None, i64::MAX)
}

/// The application's groups by name, `limit` of them after `after`.
pub fn list(
    conn: &mut AnyConnection,
    application_id: &str,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<GroupRow>, ApiError> {
    let mut q = deployment_groups::table
        .filter(deployment_groups::application_id.eq(application_id))
        .select(GroupRow::as_select())
        .order(deployment_groups::name.asc())
        .limit(limit)
        .into_boxed();
    if let Some(a) = after {
        q = q.filter(deployment_groups::name.gt(a.to_string()));
    }
    Ok(q.load(conn)?)
}

pub fn record_success(
    conn: &mut AnyConnection,
    id: &str,
    revision_id: &str,
    deployment_id: &str,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::update(deployment_groups::table.find(id))
        .set((
            deployment_groups::last_successful_revision_id.eq(Some(revision_id)),
            deployment_groups::last_successful_deployment_id.eq(Some(deployment_id)),
            deployment_groups::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn by_id(conn: &mut AnyConnection, id: &str) -> Result<GroupRow, ApiError> {
    Ok(deployment_groups::table
        .find(id)
        .select(GroupRow::as_select())
        .first(conn)?)
}

/// The settings a group update may change.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = deployment_groups, treat_none_as_null = true)]
pub struct GroupSettings {
    pub selector: String,
    pub deployment_config: String,
    pub auto_rollback: bool,
    pub concurrency_policy: String,
    /// Written as is: `None` clears the stage.
    pub stage: Option<String>,
    pub traffic_hooks: bool,
    /// Written as is: `None` removes the analysis.
    pub health_analysis: Option<String>,
    pub updated_at: NaiveDateTime,
}

pub fn update(
    conn: &mut AnyConnection,
    id: &str,
    settings: &GroupSettings,
) -> Result<(), ApiError> {
    diesel::update(deployment_groups::table.find(id))
        .set(settings.clone())
        .execute(conn)?;
    Ok(())
}

pub fn delete_for_app(conn: &mut AnyConnection, application_id: &str) -> Result<usize, ApiError> {
    Ok(diesel::delete(
        deployment_groups::table.filter(deployment_groups::application_id.eq(application_id)),
    )
    .execute(conn)?)
}

/// Whether any group of the application has its traffic managed by the bundle's hooks.
pub fn any_with_traffic_hooks(
    conn: &mut AnyConnection,
    application_id: &str,
) -> Result<bool, ApiError> {
    let n: i64 = deployment_groups::table
        .filter(deployment_groups::application_id.eq(application_id))
        .filter(deployment_groups::traffic_hooks.eq(true))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Groups of `team` (any application) that use the configuration `name`, as `app/group`.
pub fn using_config(
    conn: &mut AnyConnection,
    team: &str,
    name: &str,
) -> Result<Vec<String>, ApiError> {
    let rows: Vec<(String, String)> = deployment_groups::table
        .inner_join(applications::table)
        .filter(applications::team.eq(team))
        .filter(deployment_groups::deployment_config.eq(name))
        .select((applications::name, deployment_groups::name))
        .order((applications::name.asc(), deployment_groups::name.asc()))
        .load(conn)?;
    Ok(rows.into_iter().map(|(a, g)| format!("{a}/{g}")).collect())
}

/// Groups whose selector the scheduler was never told (created before the push existed),
/// oldest first.
pub fn unpushed(conn: &mut AnyConnection) -> Result<Vec<GroupRow>, ApiError> {
    Ok(deployment_groups::table
        .filter(deployment_groups::pushed_at.is_null())
        .select(GroupRow::as_select())
        .order(deployment_groups::created_at.asc())
        .load(conn)?)
}

/// Marks the group's selector pushed; false if it already was. The update locks the row, so
/// a change of the group at the same time is ordered before or after the push.
pub fn mark_pushed(
    conn: &mut AnyConnection,
    id: &str,
    at: NaiveDateTime,
) -> Result<bool, ApiError> {
    Ok(diesel::update(
        deployment_groups::table
            .filter(deployment_groups::id.eq(id))
            .filter(deployment_groups::pushed_at.is_null()),
    )
    .set(deployment_groups::pushed_at.eq(Some(at)))
    .execute(conn)?
        == 1)
}
