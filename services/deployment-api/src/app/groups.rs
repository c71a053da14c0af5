//! Deployment groups.

use std::collections::BTreeMap;

use liftoff_kit::AnyConnection;
use liftoff_kit::db::{now, to_utc, uuid};
use liftoff_kit::egress::Refusal;
use liftoff_kit::outbox::Destination;
use liftoff_kit::{ApiError, outbox};
use liftoff_types::analysis::HealthAnalysis;
use liftoff_types::deployments::{
    ConcurrencyPolicy, CreateDeploymentGroup, DeploymentConfig, DeploymentGroup,
    DeploymentGroupList, UpdateDeploymentGroup,
};
use liftoff_types::events::EventType;
use liftoff_types::names::{validate_name, validate_tag};
use liftoff_types::scheduler::GroupSelector;
use uuid::Uuid;

use super::paging::Page;
use crate::State;
use crate::store::applications::{self, AppRow};
use crate::store::groups::{self, GroupRow, GroupSettings};

pub fn to_group(app: &str, row: &GroupRow) -> Result<DeploymentGroup, ApiError> {
    Ok(DeploymentGroup {
        name: row.name.clone(),
        application: app.to_string(),
        selector: serde_json::from_str(&row.selector)?,
        deployment_config: row.deployment_config.clone(),
        auto_rollback: row.auto_rollback,
        concurrency_policy: ConcurrencyPolicy::parse(&row.concurrency_policy).unwrap_or_default(),
        stage: row.stage.clone(),
        last_successful_revision_id: row
            .last_successful_revision_id
            .as_deref()
            .map(uuid)
            .transpose()?,
        last_successful_deployment_id: row
            .last_successful_deployment_id
            .as_deref()
            .map(uuid)
            .transpose()?,
        created_at: to_utc(row.created_at),
        traffic_hooks: row.traffic_hooks,
        health_analysis: row
            .health_analysis
            .as_deref()
            .map(serde_json::from_str)
            .transpose()?,
    })
}

fn analysis_forbidden(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("prometheus_url_forbidden", message)
}

/// Checks a health analysis as the scheduler will run it: its bounds, and the Prometheus URL
/// under the outgoing-URL rules (those of revision URLs and webhooks, with the operator's
/// allow-list). Returns it as stored, with the query trimmed.
pub(super) async fn check_analysis(state: &State, a: &HealthAnalysis) -> Result<String, ApiError> {
    a.validate().map_err(ApiError::invalid_field)?;
    let raw = a.prometheus_url.trim();
    if raw.len() > 2048 {
        return Err(ApiError::invalid_field(
            "health_analysis.prometheus_url: longer than 2048 bytes",
        ));
    }
    let url = reqwest::Url::parse(raw).map_err(|e| {
        ApiError::invalid_field(format!(
            "health_analysis.prometheus_url: not a valid URL ({e})"
        ))
    })?;
    let cfg = &state.config.bundle_fetch;
    liftoff_kit::egress::vet(&cfg.allow, cfg.resolver.as_ref(), cfg.connect_timeout, &url)
        .await
        .map_err(|r| match r {
            Refusal::Forbidden(m) => {
                analysis_forbidden(format!("health_analysis.prometheus_url: {m}"))
            }
            Refusal::Unresolvable(m) => {
                ApiError::invalid_field(format!("health_analysis.prometheus_url: {m}"))
            }
        })?;
    let stored = HealthAnalysis {
        query: a.query.trim().to_string(),
        prometheus_url: url.to_string(),
        ..a.clone()
    };
    Ok(serde_json::to_string(&stored)?)
}

fn validate_selector(selector: &BTreeMap<String, Vec<String>>) -> Result<(), ApiError> {
    if selector.is_empty() {
        return Err(ApiError::invalid_field(
            "selector: at least one tag is required",
        ));
    }
    if selector.len() > 20 {
        return Err(ApiError::invalid_field("selector: at most 20 keys"));
    }
    for (k, values) in selector {
        if values.is_empty() || values.len() > 50 {
            return Err(ApiError::invalid_field(format!(
                "selector.{k}: 1 to 50 values"
            )));
        }
        for v in values {
            validate_tag("selector", k, v).map_err(ApiError::invalid_field)?;
        }
    }
    Ok(())
}

/// Tells the scheduler the group's selector (in the transaction of the change), so its
/// `liftoff_hosts_by_group` counts the hosts the group selects now; marks the group pushed.
fn push_selector(
    c: &mut AnyConnection,
    team: &str,
    app: &str,
    row: &GroupRow,
) -> Result<(), ApiError> {
    let selector = serde_json::from_str(&row.selector)?;
    push(c, team, app, row, Some(selector))?;
    groups::mark_pushed(c, &row.id, now())?;
    Ok(())
}

/// Tells the scheduler the group is gone (its application deleted).
pub fn push_removed(
    c: &mut AnyConnection,
    team: &str,
    app: &str,
    row: &GroupRow,
) -> Result<(), ApiError> {
    push(c, team, app, row, None)
}

fn push(
    c: &mut AnyConnection,
    team: &str,
    app: &str,
    row: &GroupRow,
    selector: Option<BTreeMap<String, Vec<String>>>,
) -> Result<(), ApiError> {
    let mut ev = outbox::event(crate::NAME, EventType::GroupSelector);
    ev.team = Some(team.to_string());
    ev.application = Some(app.to_string());
    ev.deployment_group = Some(row.name.clone());
    ev.data = serde_json::to_value(GroupSelector {
        deployment_group_id: uuid(&row.id)?,
        team: team.to_string(),
        application: app.to_string(),
        deployment_group: row.name.clone(),
        selector,
    })?;
    outbox::enqueue_to(c, Destination::Scheduler, &ev)
}

/// Pushes, once, the selectors of groups the scheduler was never told of (created before the
/// push existed). Each is marked and pushed in one transaction, so it goes once whatever the
/// replicas; a change racing it is pushed after it. Returns how many were pushed.
pub async fn push_unpushed(state: &State) -> Result<usize, ApiError> {
    state
        .db
        .write(|c| {
            let mut pushed = 0;
            for r in groups::unpushed(c)? {
                if !groups::mark_pushed(c, &r.id, now())? {
                    continue;
                }
                // Read again under the row's lock: a change may have committed meanwhile.
                let r = groups::by_id(c, &r.id)?;
                let app = applications::by_id(c, &r.application_id)?;
                let selector = serde_json::from_str(&r.selector)?;
                push(c, &app.team, &app.name, &r, Some(selector))?;
                pushed += 1;
            }
            Ok(pushed)
        })
        .await
}

pub async fn create(
    state: &State,
    team: String,
    actor: String,
    app: String,
    req: CreateDeploymentGroup,
) -> Result<DeploymentGroup, ApiError> {
    validate_name("name", &req.name).map_err(ApiError::invalid_field)?;
    validate_selector(&req.selector)?;
    if let Some(s) = &req.stage {
        validate_name("stage", s).map_err(ApiError::invalid_field)?;
    }
    let health_analysis = match &req.health_analysis {
        Some(a) => Some(check_analysis(state, a).await?),
        None => None,
    };
    state
        .db
        .write(move |c| {
            let app_row = applications::require(c, &team, &app)?;
            let config = resolve_config(
                c,
                &team,
                req.deployment_config.as_deref().unwrap_or(super::configs::DEFAULT),
            )?;
            if let Some(s) = &req.stage {
                check_stage(&app_row, s)?;
            }
            if groups::by_name(c, &app_row.id, &req.name)?.is_some() {
                return Err(ApiError::conflict("already_exists", format!("deployment group {:?} already exists", req.name)));
            }
            let at = now();
            let row = GroupRow {
                id: Uuid::now_v7().to_string(),
                application_id: app_row.id.clone(),
                name: req.name.clone(),
                selector: serde_json::to_string(&req.selector)?,
                deployment_config: config.name.clone(),
                auto_rollback: req.auto_rollback.unwrap_or(false),
                concurrency_policy: req.concurrency_policy.unwrap_or_default().as_str().into(),
                stage: req.stage.clone(),
                last_successful_revision_id: None,
                last_successful_deployment_id: None,
                created_at: at,
                updated_at: at,
                traffic_hooks: req.traffic_hooks.unwrap_or(false),
                health_analysis,
            };
            groups::insert(c, &row)?;
            push_selector(c, &team, &app, &row)?;
            let mut ev = outbox::event(crate::NAME, EventType::DeploymentGroupCreated);
            ev.team = Some(team.clone());
            ev.actor = Some(actor.clone());
            ev.application = Some(app.clone());
            ev.deployment_group = Some(row.name.clone());
            ev.data = serde_json::json!({"selector": req.selector, "deployment_config": row.deployment_config, "stage": row.stage, "traffic_hooks": row.traffic_hooks, "health_analysis": req.health_analysis});
            outbox::enqueue(c, &ev)?;
            to_group(&app, &row)
        })
        .await
}

pub async fn get(
    state: &State,
    team: String,
    app: String,
    name: String,
) -> Result<DeploymentGroup, ApiError> {
    state
        .db
        .run(move |c| {
            let app_row = applications::require(c, &team, &app)?;
            let row = groups::by_name(c, &app_row.id, &name)?.ok_or_else(|| {
                ApiError::not_found(format!("deployment group {name:?} not found"))
            })?;
            to_group(&app, &row)
        })
        .await
}

/// A page of the application's deployment groups, by name.
pub async fn list(
    state: &State,
    team: String,
    app: String,
    page: Page,
) -> Result<DeploymentGroupList, ApiError> {
    state
        .db
        .run(move |c| {
            let app_row = applications::require(c, &team, &app)?;
            let rows = groups::list(c, &app_row.id, page.after.as_deref(), page.fetch())?;
            let (rows, next_cursor) = page.cut(rows, |r| r.name.clone());
            Ok(DeploymentGroupList {
                deployment_groups: rows
                    .iter()
                    .map(|r| to_group(&app, r))
                    .collect::<Result<_, _>>()?,
                next_cursor,
            })
        })
        .await
}

/// The group's configuration: a built-in or one of the team's; unknown is a 400 on the field.
fn resolve_config(
    c: &mut AnyConnection,
    team: &str,
    name: &str,
) -> Result<DeploymentConfig, ApiError> {
    super::configs::resolve(c, team, name)
        .map_err(|e| ApiError::invalid_field(format!("deployment_config: {}", e.message)))
}

/// A stage must be one of the application's declared stages, when it declares an order.
fn check_stage(app: &AppRow, stage: &str) -> Result<(), ApiError> {
    let declared = super::applications::stages_of(app)?;
    if !declared.is_empty() && !declared.iter().any(|s| s == stage) {
        return Err(ApiError::unprocessable(
            "unknown_stage",
            format!(
                "stage {stage:?} is not one of application {:?}'s stages ({})",
                app.name,
                declared.join(" → ")
            ),
        ));
    }
    Ok(())
}

/// Changes a group's selector, configuration, auto-rollback, concurrency policy, stage or
/// traffic hooks.
/// A running deployment keeps the settings it started with.
pub async fn update(
    state: &State,
    team: String,
    actor: String,
    app: String,
    name: String,
    req: UpdateDeploymentGroup,
) -> Result<DeploymentGroup, ApiError> {
    if let Some(sel) = &req.selector {
        validate_selector(sel)?;
    }
    if let Some(Some(s)) = &req.stage {
        validate_name("stage", s).map_err(ApiError::invalid_field)?;
    }
    let health_analysis = match &req.health_analysis {
        Some(Some(a)) => Some(Some(check_analysis(state, a).await?)),
        Some(None) => Some(None),
        None => None,
    };
    state
        .db
        .write(move |c| {
            let app_row = applications::require(c, &team, &app)?;
            let row = groups::by_name(c, &app_row.id, &name)?.ok_or_else(|| {
                ApiError::not_found(format!("deployment group {name:?} not found"))
            })?;
            let deployment_config = match &req.deployment_config {
                Some(n) => resolve_config(c, &team, n)?.name,
                None => row.deployment_config.clone(),
            };
            let stage = match &req.stage {
                Some(s) => s.clone(),
                None => row.stage.clone(),
            };
            if let Some(Some(s)) = &req.stage {
                check_stage(&app_row, s)?;
            }
            let settings = GroupSettings {
                selector: match &req.selector {
                    Some(sel) => serde_json::to_string(sel)?,
                    None => row.selector.clone(),
                },
                deployment_config,
                auto_rollback: req.auto_rollback.unwrap_or(row.auto_rollback),
                concurrency_policy: match req.concurrency_policy {
                    Some(p) => p.as_str().to_string(),
                    None => row.concurrency_policy.clone(),
                },
                stage,
                traffic_hooks: req.traffic_hooks.unwrap_or(row.traffic_hooks),
                health_analysis: match &health_analysis {
                    Some(a) => a.clone(),
                    None => row.health_analysis.clone(),
                },
                updated_at: now(),
            };
            groups::update(c, &row.id, &settings)?;
            let updated = groups::by_id(c, &row.id)?;
            if req.selector.is_some() {
                push_selector(c, &team, &app, &updated)?;
            }
            let group = to_group(&app, &updated)?;
            let mut ev = outbox::event(crate::NAME, EventType::DeploymentGroupUpdated);
            ev.team = Some(team.clone());
            ev.actor = Some(actor.clone());
            ev.application = Some(app.clone());
            ev.deployment_group = Some(group.name.clone());
            ev.data = serde_json::json!({
                "changed": serde_json::to_value(&req)?,
                "selector": group.selector,
                "deployment_config": group.deployment_config,
                "auto_rollback": group.auto_rollback,
                "concurrency_policy": group.concurrency_policy,
                "stage": group.stage,
                "traffic_hooks": group.traffic_hooks,
                "health_analysis": group.health_analysis,
            });
            outbox::enqueue(c, &ev)?;
            Ok(group)
        })
        .await
}
