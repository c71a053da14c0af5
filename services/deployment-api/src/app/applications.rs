//! Applications: create, read, update (description, stage order), delete.
//!
//! Deleting an application removes everything deployment-api holds for it: its deployment
//! groups, its revisions, the records of its finished deployments, and the bundle bytes no
//! other application's revision shares. It is refused while a deployment of it is unfinished.
//! History keeps every event about it (the audit trail outlives the application), and hosts
//! keep running what they run: deleting is not uninstalling. The name can then be reused.

use liftoff_kit::db::{now, to_utc};
use liftoff_kit::{ApiError, outbox};
use liftoff_types::deployments::{
    Application, ApplicationDeleted, ApplicationList, CreateApplication, UpdateApplication,
};
use liftoff_types::events::EventType;
use liftoff_types::names::{validate_name, validate_text};
use uuid::Uuid;

use super::paging::Page;
use crate::State;
use crate::store::applications::{self, AppRow};
use crate::store::{bundles, deployments, groups, revisions};

/// Most stages an application may declare.
const MAX_STAGES: usize = 20;

pub fn to_application(row: &AppRow) -> Result<Application, ApiError> {
    Ok(Application {
        name: row.name.clone(),
        description: row.description.clone(),
        team: row.team.clone(),
        created_by: row.created_by.clone(),
        created_at: to_utc(row.created_at),
        stages: stages_of(row)?,
        updated_at: Some(to_utc(row.updated_at)),
    })
}

/// The declared stage order (empty when none is declared).
pub fn stages_of(row: &AppRow) -> Result<Vec<String>, ApiError> {
    Ok(match &row.stages {
        Some(s) => serde_json::from_str(s)?,
        None => Vec::new(),
    })
}

pub async fn create(
    state: &State,
    team: &str,
    actor: &str,
    req: CreateApplication,
) -> Result<Application, ApiError> {
    validate_name("name", &req.name).map_err(ApiError::invalid_field)?;
    if let Some(d) = &req.description {
        validate_text("description", d, 4096).map_err(ApiError::invalid_field)?;
    }
    let at = now();
    let row = AppRow {
        id: Uuid::now_v7().to_string(),
        team: team.to_string(),
        name: req.name.clone(),
        description: req.description,
        created_by: actor.to_string(),
        created_at: at,
        updated_at: at,
        stages: None,
    };
    let mut ev = outbox::event(crate::NAME, EventType::ApplicationCreated);
    ev.team = Some(team.to_string());
    ev.actor = Some(actor.to_string());
    ev.application = Some(row.name.clone());
    let stored = row.clone();
    state
        .db
        .write(move |c| {
            if applications::by_name(c, &stored.team, &stored.name)?.is_some() {
                return Err(ApiError::conflict(
                    "already_exists",
                    format!("application {:?} already exists", stored.name),
                ));
            }
            applications::insert(c, &stored)?;
            outbox::enqueue(c, &ev)
        })
        .await?;
    to_application(&row)
}

pub async fn get(state: &State, team: String, name: String) -> Result<Application, ApiError> {
    let row = state
        .db
        .run(move |c| applications::require(c, &team, &name))
        .await?;
    to_application(&row)
}

/// A page of the team's applications, by name.
pub async fn list(state: &State, team: String, page: Page) -> Result<ApplicationList, ApiError> {
    let p = page.clone();
    let rows = state
        .db
        .run(move |c| applications::list(c, &team, p.after.as_deref(), p.fetch()))
        .await?;
    let (rows, next_cursor) = page.cut(rows, |r| r.name.clone());
    Ok(ApplicationList {
        applications: rows.iter().map(to_application).collect::<Result<_, _>>()?,
        next_cursor,
    })
}

fn validate_stages(stages: &[String]) -> Result<(), ApiError> {
    if stages.len() > MAX_STAGES {
        return Err(ApiError::invalid_field(format!(
            "stages: at most {MAX_STAGES}"
        )));
    }
    for (i, s) in stages.iter().enumerate() {
        validate_name("stages", s).map_err(ApiError::invalid_field)?;
        if stages[..i].contains(s) {
            return Err(ApiError::invalid_field(format!(
                "stages: {s:?} is listed twice"
            )));
        }
    }
    Ok(())
}

/// Changes the description and/or the stage order. A new order must name every stage a
/// group of the application is in.
pub async fn update(
    state: &State,
    team: String,
    actor: String,
    name: String,
    req: UpdateApplication,
) -> Result<Application, ApiError> {
    if let Some(Some(d)) = &req.description {
        validate_text("description", d, 4096).map_err(ApiError::invalid_field)?;
    }
    if let Some(st) = &req.stages {
        validate_stages(st)?;
    }
    state
        .db
        .write(move |c| {
            let row = applications::require(c, &team, &name)?;
            if let Some(st) = &req.stages
                && !st.is_empty()
            {
                let missing: Vec<String> = groups::all(c, &row.id)?
                    .into_iter()
                    .filter_map(|g| g.stage.map(|s| (g.name, s)))
                    .filter(|(_, s)| !st.contains(s))
                    .map(|(g, s)| format!("{g} ({s})"))
                    .collect();
                if !missing.is_empty() {
                    return Err(ApiError::unprocessable(
                        "unknown_stage",
                        format!(
                            "stages must include the stage of every group; missing for: {}",
                            missing.join(", ")
                        ),
                    ));
                }
            }
            let stages = match &req.stages {
                Some(st) if st.is_empty() => Some(None),
                Some(st) => Some(Some(serde_json::to_string(st)?)),
                None => None,
            };
            applications::update(c, &row.id, req.description.clone(), stages, now())?;
            let updated = applications::require(c, &team, &name)?;
            let mut ev = outbox::event(crate::NAME, EventType::ApplicationUpdated);
            ev.team = Some(team.clone());
            ev.actor = Some(actor.clone());
            ev.application = Some(name.clone());
            ev.data = serde_json::to_value(&req)?;
            outbox::enqueue(c, &ev)?;
            to_application(&updated)
        })
        .await
}

/// Deletes the application and what deployment-api holds for it (see the module comment);
/// refused with 409 `deployments_active` while one of its deployments is unfinished.
pub async fn delete(
    state: &State,
    team: String,
    actor: String,
    name: String,
) -> Result<ApplicationDeleted, ApiError> {
    state
        .db
        .write(move |c| {
            let row = applications::require(c, &team, &name)?;
            applications::lock(c, &row.id)?;
            let active = deployments::active_in_application(c, &row.id)?;
            if let Some(first) = active.first() {
                return Err(ApiError::conflict(
                    "deployments_active",
                    format!(
                        "application {name:?} has {} unfinished deployment(s) (e.g. {} in group {:?}); stop them or let them finish first",
                        active.len(),
                        first.id,
                        first.deployment_group
                    ),
                ));
            }
            let deployments_deleted = deployments::delete_for_app(c, &row.id)?;
            for g in groups::all(c, &row.id)? {
                super::groups::push_removed(c, &team, &name, &g)?;
            }
            let groups_deleted = groups::delete_for_app(c, &row.id)?;
            crate::store::promotions::delete_for_app(c, &row.id)?;
            crate::store::windows::put(c, &row.id, None)?;
            let mut shas = revisions::delete_for_app(c, &row.id)?;
            let revisions_deleted = shas.len();
            shas.sort();
            shas.dedup();
            let mut freed = 0u64;
            for sha in &shas {
                if revisions::count_with_digest(c, sha)? == 0 {
                    bundles::delete(c, sha)?;
                    freed += 1;
                }
            }
            applications::delete(c, &row.id)?;
            let out = ApplicationDeleted {
                name: name.clone(),
                revisions: revisions_deleted as u64,
                deployment_groups: groups_deleted as u64,
                deployments: deployments_deleted as u64,
                bundles_freed: freed,
            };
            let mut ev = outbox::event(crate::NAME, EventType::ApplicationDeleted);
            ev.team = Some(team.clone());
            ev.actor = Some(actor.clone());
            ev.application = Some(name.clone());
            ev.data = serde_json::to_value(&out)?;
            outbox::enqueue(c, &ev)?;
            Ok(out)
        })
        .await
}
