//! Two-person approval of promotions. A stage may require approval: a promotion into it is
//! then recorded as a request (the revision fixed at that moment) and starts only when a
//! deployer or admin other than the requester approves it before it expires. Requests,
//! approvals, rejections and expiries are events in history (the audit log, and webhooks for
//! those who subscribe to `promotion.*`).
//!
//! Failures lose nothing: the approval is written (with its event) before the deployments
//! are started, each with an idempotency key derived from the request, and an approved
//! request whose deployments were never recorded is finished by the tick.

use chrono::{Duration, NaiveDateTime};
use liftoff_kit::db::{now, to_utc, uuid};
use liftoff_kit::{AnyConnection, ApiError, outbox};
use liftoff_types::deployments::{
    ConcurrencyPolicy, CreateDeployment, DeploymentReason, PromotionRequest, PromotionRequestList,
    PromotionRequestStatus, StageApproval,
};
use liftoff_types::events::EventType;
use liftoff_types::names::{validate_name, validate_text};
use uuid::Uuid;

use super::paging::Page;
use crate::State;
use crate::store::applications::{self, AppRow};
use crate::store::deployments::{self, DeploymentRow};
use crate::store::groups::{self, GroupRow};
use crate::store::promotions::{self, RequestRow, StageApprovalRow};

/// The bounds of a stage's approval expiry.
pub const MIN_EXPIRY_SECS: u32 = 60;
pub const MAX_EXPIRY_SECS: u32 = 30 * 24 * 3600;
/// How long an approved request's own call has to start its deployments before the tick
/// does.
const FINISH_GRACE_SECS: i64 = 10;

fn event(
    kind: EventType,
    team: &str,
    actor: &str,
    r: &RequestRow,
) -> Result<liftoff_types::history::HistoryEvent, ApiError> {
    let mut ev = outbox::event(crate::NAME, kind);
    ev.team = Some(team.to_string());
    ev.actor = Some(actor.to_string());
    ev.application = Some(r.application.clone());
    ev.revision_id = Some(uuid(&r.revision_id)?);
    ev.data = serde_json::json!({
        "id": r.id,
        "from": r.from_stage,
        "to": r.to_stage,
        "requested_by": r.requested_by,
        "expires_at": to_utc(r.expires_at),
        "reason": r.reason,
    });
    Ok(ev)
}

/// What a stored request says now: a pending one past its expiry is expired.
fn status_of(r: &RequestRow, at: NaiveDateTime) -> Result<PromotionRequestStatus, ApiError> {
    let s = PromotionRequestStatus::parse(&r.status)
        .ok_or_else(|| ApiError::internal(format!("unknown request status {}", r.status)))?;
    Ok(
        if s == PromotionRequestStatus::Pending && r.expires_at <= at {
            PromotionRequestStatus::Expired
        } else {
            s
        },
    )
}

/// The request as it stands at `at` (the gates' clock).
pub fn to_request(r: &RequestRow, at: NaiveDateTime) -> Result<PromotionRequest, ApiError> {
    let deployment_ids: Vec<String> = match &r.deployment_ids {
        Some(j) => serde_json::from_str(j)?,
        None => Vec::new(),
    };
    Ok(PromotionRequest {
        request_id: uuid(&r.id)?,
        application: r.application.clone(),
        from: r.from_stage.clone(),
        to: r.to_stage.clone(),
        revision_id: uuid(&r.revision_id)?,
        source_deployment_id: uuid(&r.source_deployment_id)?,
        config: r.config.clone(),
        description: r.description.clone(),
        status: status_of(r, at)?,
        requested_by: r.requested_by.clone(),
        requested_at: to_utc(r.requested_at),
        expires_at: to_utc(r.expires_at),
        decided_by: r.decided_by.clone(),
        decided_at: r.decided_at.map(to_utc),
        reason: r.reason.clone(),
        deployment_ids: deployment_ids
            .iter()
            .map(|d| uuid(d))
            .collect::<Result<_, _>>()?,
    })
}

/// The stage exists: declared by the application or named by one of its groups.
fn require_stage(c: &mut AnyConnection, app: &AppRow, stage: &str) -> Result<(), ApiError> {
    let declared = super::applications::stages_of(app)?;
    if declared.iter().any(|s| s == stage)
        || groups::all(c, &app.id)?
            .iter()
            .any(|g| g.stage.as_deref() == Some(stage))
    {
        return Ok(());
    }
    Err(ApiError::not_found(format!(
        "application {:?} has no stage {stage:?}",
        app.name
    )))
}

/// Makes promotions into `stage` wait for a second person's approval.
pub async fn set_approval(
    state: &State,
    team: String,
    actor: String,
    app: String,
    stage: String,
    req: StageApproval,
) -> Result<StageApproval, ApiError> {
    validate_name("stage", &stage).map_err(ApiError::invalid_field)?;
    if !(MIN_EXPIRY_SECS..=MAX_EXPIRY_SECS).contains(&req.expires_after_secs) {
        return Err(ApiError::invalid_field(format!(
            "expires_after_secs: {MIN_EXPIRY_SECS} to {MAX_EXPIRY_SECS}"
        )));
    }
    state
        .db
        .write(move |c| {
            let app_row = applications::require(c, &team, &app)?;
            require_stage(c, &app_row, &stage)?;
            promotions::set_approval(
                c,
                &StageApprovalRow {
                    application_id: app_row.id.clone(),
                    stage: stage.clone(),
                    expires_after_secs: req.expires_after_secs as i32,
                    updated_by: actor.clone(),
                    updated_at: now(),
                },
            )?;
            let mut ev = outbox::event(crate::NAME, EventType::ApplicationStageApprovalRequired);
            ev.team = Some(team);
            ev.actor = Some(actor);
            ev.application = Some(app_row.name);
            ev.data =
                serde_json::json!({"stage": stage, "expires_after_secs": req.expires_after_secs});
            outbox::enqueue(c, &ev)?;
            Ok(req)
        })
        .await
}

/// Lets promotions into `stage` start at once again.
pub async fn clear_approval(
    state: &State,
    team: String,
    actor: String,
    app: String,
    stage: String,
) -> Result<(), ApiError> {
    validate_name("stage", &stage).map_err(ApiError::invalid_field)?;
    state
        .db
        .write(move |c| {
            let app_row = applications::require(c, &team, &app)?;
            if !promotions::clear_approval(c, &app_row.id, &stage)? {
                return Err(ApiError::not_found(format!(
                    "stage {stage:?} of application {app:?} does not require approval"
                )));
            }
            let mut ev = outbox::event(crate::NAME, EventType::ApplicationStageApprovalRemoved);
            ev.team = Some(team);
            ev.actor = Some(actor);
            ev.application = Some(app_row.name);
            ev.data = serde_json::json!({"stage": stage});
            outbox::enqueue(c, &ev)
        })
        .await
}

/// The stage's approval rule, if any.
pub fn approval_of(
    c: &mut AnyConnection,
    app: &AppRow,
    stage: &str,
) -> Result<Option<StageApproval>, ApiError> {
    Ok(promotions::approval(c, &app.id, stage)?
        .as_ref()
        .map(to_approval))
}

/// A stored approval rule as the API shows it.
pub fn to_approval(a: &StageApprovalRow) -> StageApproval {
    StageApproval {
        expires_after_secs: a.expires_after_secs.max(0) as u32,
    }
}

/// Records a promotion into a stage that requires approval, in the transaction `c` is in;
/// the same idempotency key answers the same request.
#[allow(clippy::too_many_arguments)]
pub fn request(
    c: &mut AnyConnection,
    team: &str,
    actor: &str,
    app: &AppRow,
    from: &str,
    to: &str,
    source: &DeploymentRow,
    config: Option<String>,
    description: Option<String>,
    approval: &StageApproval,
    idempotency_key: Option<&str>,
    at: NaiveDateTime,
) -> Result<(PromotionRequest, bool), ApiError> {
    if let Some(k) = idempotency_key
        && let Some(existing) = promotions::by_key(c, team, k)?
    {
        return Ok((to_request(&existing, at)?, false));
    }
    let row = RequestRow {
        id: Uuid::now_v7().to_string(),
        team: team.to_string(),
        application_id: app.id.clone(),
        application: app.name.clone(),
        from_stage: from.to_string(),
        to_stage: to.to_string(),
        revision_id: source.revision_id.clone(),
        source_deployment_id: source.id.clone(),
        config,
        description,
        status: PromotionRequestStatus::Pending.as_str().to_string(),
        requested_by: actor.to_string(),
        requested_at: at,
        expires_at: at + Duration::seconds(i64::from(approval.expires_after_secs)),
        decided_by: None,
        decided_at: None,
        reason: None,
        deployment_ids: None,
        idempotency_key: idempotency_key.map(str::to_string),
    };
    promotions::insert(c, &row)?;
    outbox::enqueue(c, &event(EventType::PromotionRequested, team, actor, &row)?)?;
    Ok((to_request(&row, at)?, true))
}

/// The groups of stage `to` now, refusing (before anything is decided) when one of them runs
/// a deployment and does not queue.
fn targets(c: &mut AnyConnection, r: &RequestRow) -> Result<Vec<GroupRow>, ApiError> {
    let targets: Vec<GroupRow> = groups::all(c, &r.application_id)?
        .into_iter()
        .filter(|g| g.stage.as_deref() == Some(r.to_stage.as_str()))
        .collect();
    if targets.is_empty() {
        return Err(ApiError::not_found(format!(
            "stage {:?} of application {:?} has no deployment group",
            r.to_stage, r.application
        )));
    }
    for g in &targets {
        if g.concurrency_policy != ConcurrencyPolicy::Queue.as_str()
            && let Some(running) = deployments::active_in_group(c, &g.id)?.into_iter().next()
        {
            return Err(ApiError::conflict(
                "deployment_in_progress",
                format!(
                    "deployment {} is still running in group {:?} of stage {:?}",
                    running.id, g.name, r.to_stage
                ),
            ));
        }
    }
    Ok(targets)
}

fn load(c: &mut AnyConnection, team: &str, id: Uuid) -> Result<RequestRow, ApiError> {
    promotions::get(c, team, &id.to_string())?
        .ok_or_else(|| ApiError::not_found(format!("promotion request {id} not found")))
}

/// A pending request may be decided (`None`); otherwise the refusal to answer once the
/// transaction is committed, so that an expiry found here is recorded as such.
fn check_pending(
    c: &mut AnyConnection,
    r: &RequestRow,
    at: NaiveDateTime,
) -> Result<Option<ApiError>, ApiError> {
    Ok(match status_of(r, at)? {
        PromotionRequestStatus::Pending => None,
        PromotionRequestStatus::Expired => {
            if promotions::decide(c, &r.id, "expired", "liftoff", at, None)? {
                outbox::enqueue(
                    c,
                    &event(EventType::PromotionExpired, &r.team, "liftoff", r)?,
                )?;
            }
            Some(ApiError::conflict(
                "approval_expired",
                format!(
                    "promotion request {} expired at {}; promote again",
                    r.id,
                    to_utc(r.expires_at)
                ),
            ))
        }
        s => Some(ApiError::conflict(
            "already_decided",
            format!("promotion request {} is {}", r.id, s.as_str()),
        )),
    })
}

/// Approves a request (deployer or admin, not its requester) and starts its deployments.
pub async fn approve(
    state: &State,
    team: String,
    actor: String,
    id: Uuid,
) -> Result<PromotionRequest, ApiError> {
    let (t, a) = (team.clone(), actor.clone());
    let at = state.config.clock.now().naive_utc();
    let row = state
        .db
        .write(move |c| {
            let r = load(c, &t, id)?;
            // A second call by the approver of an approved request finishes it (idempotent).
            if r.status == "approved" && r.decided_by.as_deref() == Some(a.as_str()) {
                return Ok(Ok(r));
            }
            if r.requested_by == a {
                return Err(ApiError::new(
                    actix_web::http::StatusCode::FORBIDDEN,
                    "two_person_rule",
                    format!(
                        "{a} requested this promotion; someone else with the deployer or admin role must approve it"
                    ),
                ));
            }
            if let Some(refusal) = check_pending(c, &r, at)? {
                return Ok(Err(refusal));
            }
            targets(c, &r)?;
            promotions::decide(c, &r.id, "approved", &a, at, None)?;
            let r = load(c, &t, id)?;
            outbox::enqueue(c, &event(EventType::PromotionApproved, &t, &a, &r)?)?;
            Ok(Ok(r))
        })
        .await;
    // An expiry found on the way was committed by the write; the caller still hears why.
    let row = row??;
    start(state, row).await
}

/// Starts an approved request's deployments (each once, by its derived key) and records them.
async fn start(state: &State, row: RequestRow) -> Result<PromotionRequest, ApiError> {
    let at = state.config.clock.now().naive_utc();
    if row.deployment_ids.is_some() {
        return to_request(&row, at);
    }
    let r = row.clone();
    let targets = state.db.run(move |c| {
        Ok(groups::all(c, &r.application_id)?
            .into_iter()
            .filter(|g| g.stage.as_deref() == Some(r.to_stage.as_str()))
            .collect::<Vec<_>>())
    });
    let targets = targets.await?;
    let description = row.description.clone().unwrap_or_else(|| {
        format!(
            "promoted from stage {} (deployment {}), approved by {}",
            row.from_stage,
            row.source_deployment_id,
            row.decided_by.as_deref().unwrap_or("?")
        )
    });
    let mut ids = Vec::new();
    for g in &targets {
        let (d, _) = super::deployments::create_with_reason(
            state,
            row.team.clone(),
            row.requested_by.clone(),
            CreateDeployment {
                file_exists_behavior: None,
                application: row.application.clone(),
                deployment_group: g.name.clone(),
                revision: row.revision_id.clone(),
                config: row.config.clone(),
                description: Some(description.clone()),
            },
            Some(super::stages::derived_key(
                &format!("request-{}", row.id),
                &g.name,
            )),
            DeploymentReason::Promotion,
            None,
        )
        .await?;
        ids.push(d.deployment_id.to_string());
    }
    let json = serde_json::to_string(&ids)?;
    let (id, team) = (row.id.clone(), row.team.clone());
    state
        .db
        .write(move |c| {
            promotions::set_deployments(c, &id, &json)?;
            let r = promotions::get(c, &team, &id)?
                .ok_or_else(|| ApiError::not_found(format!("promotion request {id} not found")))?;
            to_request(&r, at)
        })
        .await
}

/// Rejects a pending request (any deployer or admin, its requester included: withdrawing).
pub async fn reject(
    state: &State,
    team: String,
    actor: String,
    id: Uuid,
    reason: String,
) -> Result<PromotionRequest, ApiError> {
    validate_text("reason", &reason, 4096).map_err(ApiError::invalid_field)?;
    if reason.trim().is_empty() {
        return Err(ApiError::invalid_field("reason: say why"));
    }
    let at = state.config.clock.now().naive_utc();
    state
        .db
        .write(move |c| {
            let r = load(c, &team, id)?;
            if let Some(refusal) = check_pending(c, &r, at)? {
                return Ok(Err(refusal));
            }
            promotions::decide(c, &r.id, "rejected", &actor, at, Some(&reason))?;
            let r = load(c, &team, id)?;
            outbox::enqueue(c, &event(EventType::PromotionRejected, &team, &actor, &r)?)?;
            Ok(to_request(&r, at))
        })
        .await?
}

pub async fn get(state: &State, team: String, id: Uuid) -> Result<PromotionRequest, ApiError> {
    let r = state.db.run(move |c| load(c, &team, id)).await?;
    to_request(&r, state.config.clock.now().naive_utc())
}

/// A page of the application's requests, newest first, optionally in one status.
pub async fn list(
    state: &State,
    team: String,
    app: String,
    status: Option<PromotionRequestStatus>,
    page: Page,
) -> Result<PromotionRequestList, ApiError> {
    if let Some(c) = &page.after {
        Uuid::parse_str(c)
            .map_err(|_| ApiError::invalid_field("cursor: not a cursor from this API"))?;
    }
    let at = state.config.clock.now().naive_utc();
    state
        .db
        .run(move |c| {
            let app_row = applications::require(c, &team, &app)?;
            // An expired request is stored as pending until someone acts on it: filter after
            // reading, on what each says now.
            let stored = status.map(|s| match s {
                PromotionRequestStatus::Expired => "pending",
                other => other.as_str(),
            });
            let mut out = Vec::new();
            let mut after = page.after.clone();
            let mut next_cursor = None;
            'pages: loop {
                let rows =
                    promotions::list(c, &app_row.id, stored, after.as_deref(), page.fetch())?;
                let n = rows.len() as i64;
                for r in &rows {
                    let req = to_request(r, at)?;
                    if status.is_none_or(|s| s == req.status) {
                        if out.len() as i64 == page.limit {
                            next_cursor = out
                                .last()
                                .map(|x: &PromotionRequest| x.request_id.to_string());
                            break 'pages;
                        }
                        out.push(req);
                    }
                    after = Some(r.id.clone());
                }
                if n < page.fetch() {
                    break;
                }
            }
            Ok(PromotionRequestList {
                requests: out,
                next_cursor,
            })
        })
        .await
}

/// Background work: an approved request whose deployments were never recorded (its approval
/// call died on the way) is started now.
pub async fn tick(state: &State) -> Result<(), ApiError> {
    let before = state.config.clock.now().naive_utc() - Duration::seconds(FINISH_GRACE_SECS);
    let rows = state
        .db
        .run(move |c| promotions::approved_without_deployments(c, before))
        .await?;
    for r in rows {
        let id = r.id.clone();
        if let Err(e) = start(state, r).await {
            tracing::warn!(request = %id, error = %e.message, "approved promotion not started yet");
        }
    }
    Ok(())
}
