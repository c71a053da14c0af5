//! Stages that require approval, and promotion requests.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};

use crate::schema::{promotion_requests, stage_approvals};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = stage_approvals)]
pub struct StageApprovalRow {
    pub application_id: String,
    pub stage: String,
    pub expires_after_secs: i32,
    pub updated_by: String,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = promotion_requests)]
pub struct RequestRow {
    pub id: String,
    pub team: String,
    pub application_id: String,
    pub application: String,
    pub from_stage: String,
    pub to_stage: String,
    pub revision_id: String,
    pub source_deployment_id: String,
    pub config: Option<String>,
    pub description: Option<String>,
    pub status: String,
    pub requested_by: String,
    pub requested_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub reason: Option<String>,
    pub deployment_ids: Option<String>,
    pub idempotency_key: Option<String>,
}

/// The application's stages that require approval.
pub fn approvals(
    c: &mut AnyConnection,
    application_id: &str,
) -> Result<Vec<StageApprovalRow>, ApiError> {
    Ok(stage_approvals::table
        .filter(stage_approvals::application_id.eq(application_id))
        .select(StageApprovalRow::as_select())
        .load(c)?)
}

pub fn approval(
    c: &mut AnyConnection,
    application_id: &str,
    stage: &str,
) -> Result<Option<StageApprovalRow>, ApiError> {
    Ok(stage_approvals::table
        .filter(stage_approvals::application_id.eq(application_id))
        .filter(stage_approvals::stage.eq(stage))
        .select(StageApprovalRow::as_select())
        .first(c)
        .optional()?)
}

/// Sets (or replaces) a stage's approval rule.
pub fn set_approval(c: &mut AnyConnection, row: &StageApprovalRow) -> Result<(), ApiError> {
    clear_approval(c, &row.application_id, &row.stage)?;
    diesel::insert_into(stage_approvals::table)
        .values(row.clone())
        .execute(c)?;
    Ok(())
}

/// Removes a stage's approval rule; whether there was one.
pub fn clear_approval(
    c: &mut AnyConnection,
    application_id: &str,
    stage: &str,
) -> Result<bool, ApiError> {
    Ok(diesel::delete(
        stage_approvals::table
            .filter(stage_approvals::application_id.eq(application_id))
            .filter(stage_approvals::stage.eq(stage)),
    )
    .execute(c)?
        > 0)
}

/// Removes everything of a deleted application.
pub fn delete_for_app(c: &mut AnyConnection, application_id: &str) -> Result<(), ApiError> {
    diesel::delete(
        stage_approvals::table.filter(stage_approvals::application_id.eq(application_id)),
    )
    .execute(c)?;
    diesel::delete(
        promotion_requests::table.filter(promotion_requests::application_id.eq(application_id)),
    )
    .execute(c)?;
    Ok(())
}

pub fn insert(c: &mut AnyConnection, row: &RequestRow) -> Result<(), ApiError> {
    diesel::insert_into(promotion_requests::table)
        .values(row.clone())
        .execute(c)?;
    Ok(())
}

/// The team's request (another team's does not exist).
pub fn get(c: &mut AnyConnection, team: &str, id: &str) -> Result<Option<RequestRow>, ApiError> {
    Ok(promotion_requests::table
        .filter(promotion_requests::id.eq(id))
        .filter(promotion_requests::team.eq(team))
        .select(RequestRow::as_select())
        .first(c)
        .optional()?)
}

pub fn by_key(
    c: &mut AnyConnection,
    team: &str,
    key: &str,
) -> Result<Option<RequestRow>, ApiError> {
    Ok(promotion_requests::table
        .filter(promotion_requests::team.eq(team))
        .filter(promotion_requests::idempotency_key.eq(key))
        .select(RequestRow::as_select())
        .first(c)
        .optional()?)
}

/// The application's requests, newest first, `limit` of them older than `before`.
pub fn list(
    c: &mut AnyConnection,
    application_id: &str,
    status: Option<&str>,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<RequestRow>, ApiError> {
    let mut q = promotion_requests::table
        .filter(promotion_requests::application_id.eq(application_id))
        .select(RequestRow::as_select())
        .order(promotion_requests::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(promotion_requests::status.eq(s.to_string()));
    }
    if let Some(b) = before {
        q = q.filter(promotion_requests::id.lt(b.to_string()));
    }
    Ok(q.load(c)?)
}

/// Records a decision on a pending request; false when it was no longer pending.
pub fn decide(
    c: &mut AnyConnection,
    id: &str,
    status: &str,
    by: &str,
    at: NaiveDateTime,
    reason: Option<&str>,
) -> Result<bool, ApiError> {
    Ok(diesel::update(
        promotion_requests::table
            .filter(promotion_requests::id.eq(id))
            .filter(promotion_requests::status.eq("pending")),
    )
    .set((
        promotion_requests::status.eq(status),
        promotion_requests::decided_by.eq(Some(by)),
        promotion_requests::decided_at.eq(Some(at)),
        promotion_requests::reason.eq(reason),
    ))
    .execute(c)?
        > 0)
}

/// Records the deployments an approved request started.
pub fn set_deployments(c: &mut AnyConnection, id: &str, ids: &str) -> Result<(), ApiError> {
    diesel::update(promotion_requests::table.find(id))
        .set(promotion_requests::deployment_ids.eq(Some(ids)))
        .execute(c)?;
    Ok(())
}

/// Approved requests whose deployments are not recorded yet (the approval's process died
/// between the two), decided before `before`.
pub fn approved_without_deployments(
    c: &mut AnyConnection,
    before: NaiveDateTime,
) -> Result<Vec<RequestRow>, ApiError> {
    Ok(promotion_requests::table
        .filter(promotion_requests::status.eq("approved"))
        .filter(promotion_requests::deployment_ids.is_null())
        .filter(promotion_requests::decided_at.lt(before))
        .select(RequestRow::as_select())
        .load(c)?)
}
