//! Applications.

use liftoff_kit::db::{now, to_utc};
use liftoff_kit::{ApiError, outbox};
use liftoff_types::deployments::{Application, CreateApplication};
use liftoff_types::names::{validate_name, validate_text};
use uuid::Uuid;

use crate::State;
use crate::store::applications::{self, AppRow};

pub fn to_application(row: &AppRow) -> Application {
    Application {
        name: row.name.clone(),
        description: row.description.clone(),
        team: row.team.clone(),
        created_by: row.created_by.clone(),
        created_at: to_utc(row.created_at),
    }
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
    };
    let mut ev = outbox::event(crate::NAME, "application.created");
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
    Ok(to_application(&row))
}

pub async fn get(state: &State, team: String, name: String) -> Result<Application, ApiError> {
    let row = state
        .db
        .run(move |c| applications::require(c, &team, &name))
        .await?;
    Ok(to_application(&row))
}

pub async fn list(state: &State, team: String) -> Result<Vec<Application>, ApiError> {
    let rows = state.db.run(move |c| applications::list(c, &team)).await?;
    Ok(rows.iter().map(to_application).collect())
}
