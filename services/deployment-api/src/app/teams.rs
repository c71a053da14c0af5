//! Teams: created and disabled by platform administrators. A team exists for its own members
//! and for platform administrators only; to anyone else it answers 404, like every object of
//! another team.

use liftoff_kit::db::{now, to_utc};
use liftoff_kit::{ApiError, Caller, Role, outbox};
use liftoff_types::events::EventType;
use liftoff_types::names::{validate_name, validate_text};
use liftoff_types::tokens::{CreateTeam, RevocationKind, Team};

use crate::State;
use crate::store::tokens::{self as store, RevocationRow, TeamRow};

pub fn to_team(row: &TeamRow) -> Team {
    Team {
        name: row.name.clone(),
        description: row.description.clone(),
        disabled: row.disabled_at.is_some(),
        created_by: row.created_by.clone(),
        created_at: to_utc(row.created_at),
    }
}

fn not_found(team: &str) -> ApiError {
    ApiError::not_found(format!("team {team:?} not found"))
}

/// The caller may act on `team` with at least `min`: a platform administrator on any team, a
/// member of `team` with that role. Another team's member gets 404 (the team is not theirs to
/// know of), a member with too small a role 403.
pub fn authorize(caller: &Caller, team: &str, min: Role) -> Result<(), ApiError> {
    if caller.is_platform_admin() {
        return Ok(());
    }
    let own = caller.team(Role::Viewer)?;
    if own != team {
        return Err(not_found(team));
    }
    caller.team(min).map(|_| ())
}

/// Only platform administrators manage teams; for a team that is not the caller's this is a
/// 404 like any other.
fn require_platform(caller: &Caller, team: &str) -> Result<(), ApiError> {
    if caller.is_platform_admin() {
        return Ok(());
    }
    authorize(caller, team, Role::Viewer)?;
    Err(ApiError::forbidden(
        "only a platform administrator manages teams",
    ))
}

pub async fn create(state: &State, caller: &Caller, req: CreateTeam) -> Result<Team, ApiError> {
    if !caller.is_platform_admin() {
        caller.team(Role::Viewer)?;
        return Err(ApiError::forbidden(
            "only a platform administrator creates teams",
        ));
    }
    validate_name("name", &req.name).map_err(ApiError::invalid_field)?;
    if let Some(d) = &req.description {
        validate_text("description", d, 4096).map_err(ApiError::invalid_field)?;
    }
    let row = TeamRow {
        name: req.name,
        description: req.description,
        disabled_at: None,
        created_by: caller.subject().to_string(),
        created_at: now(),
    };
    let mut ev = outbox::event(crate::NAME, EventType::TeamCreated);
    ev.team = Some(row.name.clone());
    ev.actor = Some(row.created_by.clone());
    let stored = row.clone();
    state
        .db
        .write(move |c| {
            if store::team(c, &stored.name)?.is_some() {
                return Err(ApiError::conflict(
                    "already_exists",
                    format!("team {:?} already exists", stored.name),
                ));
            }
            store::insert_team(c, &stored)?;
            outbox::enqueue(c, &ev)
        })
        .await?;
    Ok(to_team(&row))
}

/// Every team for a platform administrator; the caller's own otherwise.
pub async fn list(state: &State, caller: &Caller) -> Result<Vec<Team>, ApiError> {
    let only = if caller.is_platform_admin() {
        None
    } else {
        Some(caller.team(Role::Viewer)?.to_string())
    };
    let rows = state.db.run(store::teams).await?;
    Ok(rows
        .iter()
        .filter(|r| only.as_ref().is_none_or(|t| *t == r.name))
        .map(to_team)
        .collect())
}

pub async fn get(state: &State, caller: &Caller, name: String) -> Result<Team, ApiError> {
    authorize(caller, &name, Role::Viewer)?;
    let row = state
        .db
        .run(move |c| store::team(c, &name)?.ok_or_else(|| not_found(&name)))
        .await?;
    Ok(to_team(&row))
}

/// Disables (every token of the team is refused from now on) or enables a team.
pub async fn set_disabled(
    state: &State,
    caller: &Caller,
    name: String,
    disabled: bool,
) -> Result<Team, ApiError> {
    require_platform(caller, &name)?;
    if disabled && caller.team_name() == Some(name.as_str()) {
        return Err(ApiError::conflict(
            "own_team",
            "a platform administrator cannot disable its own team",
        ));
    }
    let actor = caller.subject().to_string();
    let team = name.clone();
    let row = state
        .db
        .write(move |c| {
            let row = store::team(c, &team)?.ok_or_else(|| not_found(&team))?;
            if row.disabled_at.is_some() == disabled {
                return Ok(row);
            }
            let at = now();
            store::set_disabled(c, &team, disabled.then_some(at))?;
            let kind = if disabled {
                RevocationKind::TeamDisabled
            } else {
                RevocationKind::TeamEnabled
            };
            store::append_revocation(
                c,
                RevocationRow {
                    seq: 0,
                    kind: kind.as_str().to_string(),
                    jti: None,
                    team: Some(team.clone()),
                    expires_at: None,
                    created_by: actor.clone(),
                    created_at: at,
                },
            )?;
            let mut ev = outbox::event(
                crate::NAME,
                if disabled {
                    EventType::TeamDisabled
                } else {
                    EventType::TeamEnabled
                },
            );
            ev.team = Some(team.clone());
            ev.actor = Some(actor.clone());
            outbox::enqueue(c, &ev)?;
            store::team(c, &team)?.ok_or_else(|| not_found(&team))
        })
        .await?;
    // Committed: refuse (or accept again) the team's tokens in this process at once.
    state
        .authority
        .revocations()
        .set_team_disabled(&name, disabled);
    Ok(to_team(&row))
}
