//! Which revision runs where: now (`/v1/history/hosts`, `/v1/history/revisions/{r}/hosts`)
//! and at a time (`/v1/history/deployment-groups/{g}/at`).

use actix_web::{HttpResponse, get, web};
use liftoff_kit::{ApiError, Caller, Role};
use liftoff_types::ErrorBody;
use liftoff_types::history::{GroupAtTime, HostRevisionList};
use liftoff_types::names::validate_name;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::name;
use crate::store::revisions::CurrentFilter;
use crate::{State, app};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HostRevisionQuery {
    #[param(pattern = "^[a-z0-9][a-z0-9-]{0,62}$")]
    application: Option<String>,
    revision_id: Option<Uuid>,
    host_id: Option<Uuid>,
    /// 1 to 1000, default 100.
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Which revision of which application each host runs now, and since when (the time it
/// started running that revision, kept across redeploys of the same revision). Ordered by
/// application, then host.
#[utoipa::path(
    tag = "history",
    params(HostRevisionQuery),
    responses((status = 200, body = HostRevisionList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/history/hosts")]
pub async fn host_revisions(
    state: web::Data<State>,
    caller: Caller,
    q: web::Query<HostRevisionQuery>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team_or_service(Role::Viewer)?.map(str::to_string);
    let q = q.into_inner();
    let list = app::query::host_revisions(
        &state,
        CurrentFilter {
            team,
            application: name("application", q.application)?,
            revision_id: q.revision_id.map(|r| r.to_string()),
            host_id: q.host_id.map(|h| h.to_string()),
            after: None,
            limit: app::query::limit(q.limit)?,
        },
        q.cursor.as_deref(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RevisionHostsQuery {
    #[param(pattern = "^[a-z0-9][a-z0-9-]{0,62}$")]
    application: Option<String>,
    /// 1 to 1000, default 100.
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
    cursor: Option<String>,
}

/// The hosts that run revision `r` right now, and since when.
#[utoipa::path(
    tag = "history",
    params(("revision" = Uuid, Path, description = "Revision id"), RevisionHostsQuery),
    responses((status = 200, body = HostRevisionList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/history/revisions/{revision}/hosts")]
pub async fn revision_hosts(
    state: web::Data<State>,
    caller: Caller,
    revision: web::Path<Uuid>,
    q: web::Query<RevisionHostsQuery>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team_or_service(Role::Viewer)?.map(str::to_string);
    let q = q.into_inner();
    let revision = revision.into_inner();
    app::query::require_revision_known(&state, team.clone(), revision).await?;
    let list = app::query::host_revisions(
        &state,
        CurrentFilter {
            team,
            application: name("application", q.application)?,
            revision_id: Some(revision.to_string()),
            host_id: None,
            after: None,
            limit: app::query::limit(q.limit)?,
        },
        q.cursor.as_deref(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GroupAtQuery {
    /// The group's application (group names are unique per application).
    #[param(pattern = "^[a-z0-9][a-z0-9-]{0,62}$")]
    application: String,
    /// RFC 3339, e.g. `2026-11-19T14:00:00Z`.
    #[param(format = DateTime)]
    at: String,
    /// 1 to 1000, default 100.
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
    cursor: Option<String>,
}

/// What revision each host of a group ran at time `at`, and the group's target revision then.
/// A host counts for the group when its revision at `at` was installed by one of the group's
/// deployments. Another team's group is a 404.
#[utoipa::path(
    tag = "history",
    params(("group" = String, Path, description = "Deployment group name"), GroupAtQuery),
    responses((status = 200, body = GroupAtTime), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/history/deployment-groups/{group}/at")]
pub async fn group_at(
    state: web::Data<State>,
    caller: Caller,
    group: web::Path<String>,
    q: web::Query<GroupAtQuery>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team_or_service(Role::Viewer)?.map(str::to_string);
    let q = q.into_inner();
    let group = group.into_inner();
    validate_name("group", &group).map_err(ApiError::invalid_field)?;
    validate_name("application", &q.application).map_err(ApiError::invalid_field)?;
    let at = app::query::time("at", &q.at)?;
    let res = app::query::group_at(
        &state,
        team,
        q.application,
        group,
        at,
        q.cursor,
        app::query::limit(q.limit)?,
    )
    .await?;
    Ok(HttpResponse::Ok().json(res))
}
