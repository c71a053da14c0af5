//! Stages and promotion. An application's groups are placed in stages by their `stage` name
//! (several groups may share one, e.g. `prod-us` and `prod-eu` in `prod`); the application
//! may declare the order (`dev → staging → prod`). Promoting from S to T deploys, to every
//! group of T, the revision whose deployment last succeeded in S (by completion time), with
//! reason `promotion`. With a declared order, T must be the stage right after S.

use std::collections::BTreeMap;

use liftoff_kit::db::{to_utc, uuid};
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::deployments::{
    ConcurrencyPolicy, CreateDeployment, DeploymentReason, Promote, Promotion, PromotionRequest,
    Stage, StageApproval,
};
use liftoff_types::names::{validate_name, validate_text};
use sha2::{Digest, Sha256};

use crate::State;
use crate::store::applications::{self, AppRow};
use crate::store::deployments::{self, DeploymentRow};
use crate::store::groups::{self, GroupRow};

/// Groups of the application by stage name.
fn groups_by_stage(
    c: &mut AnyConnection,
    app: &AppRow,
) -> Result<BTreeMap<String, Vec<GroupRow>>, ApiError> {
    let mut out: BTreeMap<String, Vec<GroupRow>> = BTreeMap::new();
    for g in groups::all(c, &app.id)? {
        if let Some(s) = g.stage.clone() {
            out.entry(s).or_default().push(g);
        }
    }
    Ok(out)
}

fn last_success(
    c: &mut AnyConnection,
    groups: &[GroupRow],
) -> Result<Option<DeploymentRow>, ApiError> {
    let ids: Vec<String> = groups.iter().map(|g| g.id.clone()).collect();
    deployments::last_success_in(c, &ids)
}

/// The application's stages: the declared ones in order, then any other stage a group names.
pub async fn list(state: &State, team: String, app: String) -> Result<Vec<Stage>, ApiError> {
    state
        .db
        .run(move |c| {
            let app_row = applications::require(c, &team, &app)?;
            let mut by_stage = groups_by_stage(c, &app_row)?;
            let approvals = crate::store::promotions::approvals(c, &app_row.id)?;
            let mut names = super::applications::stages_of(&app_row)?;
            for s in by_stage.keys() {
                if !names.contains(s) {
                    names.push(s.clone());
                }
            }
            let mut out = Vec::new();
            for name in names {
                let members = by_stage.remove(&name).unwrap_or_default();
                let last = last_success(c, &members)?;
                out.push(Stage {
                    deployment_groups: members.iter().map(|g| g.name.clone()).collect(),
                    last_successful_revision_id: last
                        .as_ref()
                        .map(|d| uuid(&d.revision_id))
                        .transpose()?,
                    last_successful_deployment_id: last
                        .as_ref()
                        .map(|d| uuid(&d.id))
                        .transpose()?,
                    last_succeeded_at: last.as_ref().and_then(|d| d.completed_at).map(to_utc),
                    approval: approvals
                        .iter()
                        .find(|a| a.stage == name)
                        .map(super::promotions::to_approval),
                    name,
                });
            }
            Ok(out)
        })
        .await
}

/// What a promotion will do, decided in one read.
struct Plan {
    app: AppRow,
    source: DeploymentRow,
    targets: Vec<GroupRow>,
    /// The target stage requires approval: record a request instead.
    approval: Option<StageApproval>,
}

/// What a promotion did: started its deployments, or (into a stage that requires approval)
/// recorded a request; each with whether it is new.
pub enum Promoted {
    Started(Promotion, bool),
    Requested(PromotionRequest, bool),
}

fn plan(
    c: &mut AnyConnection,
    team: &str,
    app: &str,
    req: &Promote,
    idempotency_key: Option<&str>,
) -> Result<Plan, ApiError> {
    let app_row = applications::require(c, team, app)?;
    let declared = super::applications::stages_of(&app_row)?;
    if !declared.is_empty() {
        let pos = |s: &str| declared.iter().position(|d| d == s);
        let order = declared.join(" → ");
        for s in [&req.from, &req.to] {
            if pos(s).is_none() {
                return Err(ApiError::unprocessable(
                    "unknown_stage",
                    format!("{s:?} is not a stage of application {app:?} ({order})"),
                ));
            }
        }
        if pos(&req.to) != pos(&req.from).map(|i| i + 1) {
            return Err(ApiError::unprocessable(
                "promotion_out_of_order",
                format!(
                    "{:?} is not the stage after {:?}; application {app:?} promotes {order}",
                    req.to, req.from
                ),
            ));
        }
    }
    let mut by_stage = groups_by_stage(c, &app_row)?;
    let sources = by_stage.remove(&req.from).unwrap_or_default();
    let targets = by_stage.remove(&req.to).unwrap_or_default();
    for (s, members) in [(&req.from, &sources), (&req.to, &targets)] {
        if members.is_empty() {
            return Err(ApiError::not_found(format!(
                "stage {s:?} of application {app:?} has no deployment group"
            )));
        }
    }
    let source = last_success(c, &sources)?.ok_or_else(|| {
        ApiError::conflict(
            "no_successful_revision",
            format!(
                "no deployment has succeeded in stage {:?} yet, so there is nothing to promote to {:?}",
                req.from, req.to
            ),
        )
    })?;
    // Refuse before starting any, so a stage of several groups is not half promoted. A
    // deployment this very promotion started (a retry with its key) is no obstacle.
    for g in &targets {
        let mine = idempotency_key.map(|k| derived_key(k, &g.name));
        if g.concurrency_policy != ConcurrencyPolicy::Queue.as_str()
            && let Some(running) = deployments::active_in_group(c, &g.id)?
                .into_iter()
                .find(|d| mine.is_none() || d.idempotency_key != mine)
        {
            return Err(ApiError::conflict(
                "deployment_in_progress",
                format!(
                    "deployment {} is still running in group {:?} of stage {:?}",
                    running.id, g.name, req.to
                ),
            ));
        }
    }
    let approval = super::promotions::approval_of(c, &app_row, &req.to)?;
    Ok(Plan {
        app: app_row,
        source,
        targets,
        approval,
    })
}

/// The key each target group's deployment is created with: one promotion request, retried
/// with its key, starts each target deployment once.
pub(crate) fn derived_key(key: &str, group: &str) -> String {
    format!(
        "promote-{}",
        hex::encode(Sha256::digest(format!("{key}\n{group}")))
    )
}

/// Promotes, or records a request when the target stage requires approval.
pub async fn promote(
    state: &State,
    team: String,
    actor: String,
    app: String,
    req: Promote,
    idempotency_key: Option<String>,
) -> Result<Promoted, ApiError> {
    validate_name("from", &req.from).map_err(ApiError::invalid_field)?;
    validate_name("to", &req.to).map_err(ApiError::invalid_field)?;
    if req.from == req.to {
        return Err(ApiError::invalid_field("to: must differ from from"));
    }
    if let Some(d) = &req.description {
        validate_text("description", d, 4096).map_err(ApiError::invalid_field)?;
    }
    if let Some(k) = &idempotency_key
        && (k.is_empty() || k.len() > 255 || !k.bytes().all(|b| b.is_ascii_graphic()))
    {
        return Err(ApiError::bad_request(
            "invalid_header",
            "Idempotency-Key: 1 to 255 printable ASCII characters",
        ));
    }
    let Plan {
        app: app_row,
        source,
        targets,
        approval,
    } = {
        let (team, app, req, key) = (
            team.clone(),
            app.clone(),
            req.clone(),
            idempotency_key.clone(),
        );
        state
            .db
            .run(move |c| plan(c, &team, &app, &req, key.as_deref()))
            .await?
    };
    if let Some(approval) = approval {
        let (req, key) = (req.clone(), idempotency_key.clone());
        let at = state.config.clock.now().naive_utc();
        let (r, created) = state
            .db
            .write(move |c| {
                super::promotions::request(
                    c,
                    &team,
                    &actor,
                    &app_row,
                    &req.from,
                    &req.to,
                    &source,
                    req.config.clone(),
                    req.description.clone(),
                    &approval,
                    key.as_deref(),
                    at,
                )
            })
            .await?;
        return Ok(Promoted::Requested(r, created));
    }
    let description = req.description.clone().unwrap_or_else(|| {
        format!(
            "promoted from stage {} (deployment {})",
            req.from, source.id
        )
    });
    let mut out = Vec::new();
    let mut any_created = false;
    for g in &targets {
        let (d, created) = super::deployments::create_with_reason(
            state,
            team.clone(),
            actor.clone(),
            CreateDeployment {
                file_exists_behavior: None,
                application: app.clone(),
                deployment_group: g.name.clone(),
                revision: source.revision_id.clone(),
                config: req.config.clone(),
                description: Some(description.clone()),
            },
            idempotency_key.as_deref().map(|k| derived_key(k, &g.name)),
            DeploymentReason::Promotion,
            None,
        )
        .await?;
        any_created |= created;
        out.push(d);
    }
    Ok(Promoted::Started(
        Promotion {
            application: app,
            from: req.from,
            to: req.to,
            revision_id: uuid(&source.revision_id)?,
            source_deployment_id: uuid(&source.id)?,
            deployments: out,
        },
        any_created,
    ))
}
