//! Revisions: a bundle pushed for an application, checked before it is accepted.

use std::path::Path;

use liftoff_bundle::{ArchiveFormat, BundleErrorCode};
use liftoff_kit::db::{now, to_utc, uuid};
use liftoff_kit::{ApiError, outbox};
use liftoff_types::deployments::Revision;
use liftoff_types::names::validate_text;
use uuid::Uuid;

use crate::State;
use crate::store::applications;
use crate::store::bundles::{self, BundleRow};
use crate::store::revisions::{self, RevisionRow};

/// An upload already on local disk, hashed while it was received.
pub struct Spooled {
    pub file: tempfile::NamedTempFile,
    pub sha256: String,
    pub size: u64,
}

pub struct PushRequest {
    pub version_label: Option<String>,
    pub description: Option<String>,
    /// The digest the client computed; a mismatch means the bytes changed on the way.
    pub expected_sha256: Option<String>,
}

pub fn format_name(f: ArchiveFormat) -> &'static str {
    match f {
        ArchiveFormat::TarGz => "tar.gz",
        ArchiveFormat::Tar => "tar",
        ArchiveFormat::Zip => "zip",
    }
}

pub fn to_revision(
    app: &str,
    row: &RevisionRow,
    bundle: &BundleRow,
    created: bool,
) -> Result<Revision, ApiError> {
    Ok(Revision {
        revision_id: uuid(&row.id)?,
        application: app.to_string(),
        sha256: row.sha256.clone(),
        size_bytes: bundle.size_bytes,
        format: bundle.format.clone(),
        version_label: row.version_label.clone(),
        description: row.description.clone(),
        hook_events: serde_json::from_str(&row.hook_events)?,
        created_by: row.created_by.clone(),
        created_at: to_utc(row.created_at),
        created,
    })
}

/// Reads the archive's format and appspec exactly as the agent will; what the agent would
/// refuse is refused now, with the agent's message.
fn inspect(path: &Path) -> Result<(ArchiveFormat, Vec<String>), ApiError> {
    let mut head = [0u8; 512];
    let n = {
        use std::io::Read;
        let mut f =
            std::fs::File::open(path).map_err(|e| ApiError::internal(format!("spool: {e}")))?;
        let mut filled = 0;
        while filled < head.len() {
            match f.read(&mut head[filled..]) {
                Ok(0) => break,
                Ok(k) => filled += k,
                Err(e) => return Err(ApiError::internal(format!("spool: {e}"))),
            }
        }
        filled
    };
    let format = ArchiveFormat::detect(&head[..n]).ok_or_else(|| {
        ApiError::unprocessable(
            "bundle_format_unknown",
            "the bundle is not a .tar.gz, .tar or .zip archive",
        )
    })?;
    let spec = liftoff_bundle::read_appspec_from_archive(path).map_err(|e| {
        let code = e.code.as_str().to_ascii_lowercase();
        match e.code {
            BundleErrorCode::TooLarge => ApiError::too_large(e.message),
            _ => ApiError::unprocessable(&code, e.message),
        }
    })?;
    let events = spec
        .hooks
        .iter()
        .filter(|(_, scripts)| !scripts.is_empty())
        .map(|(event, _)| event.as_str().to_string())
        .collect();
    Ok((format, events))
}

pub async fn push(
    state: &State,
    team: String,
    actor: String,
    app: String,
    upload: Spooled,
    req: PushRequest,
) -> Result<Revision, ApiError> {
    for (field, value) in [
        ("version_label", &req.version_label),
        ("description", &req.description),
    ] {
        if let Some(v) = value {
            validate_text(field, v, if field == "description" { 4096 } else { 128 })
                .map_err(ApiError::invalid_field)?;
        }
    }
    if let Some(expected) = &req.expected_sha256
        && !expected.eq_ignore_ascii_case(&upload.sha256)
    {
        return Err(ApiError::unprocessable(
            "digest_mismatch",
            format!("the bundle's SHA-256 is {}, not {expected}", upload.sha256),
        ));
    }
    if upload.size == 0 {
        return Err(ApiError::unprocessable(
            "bundle_empty",
            "the bundle is empty",
        ));
    }
    let path = upload.file.path().to_path_buf();
    let (format, events) = tokio::task::spawn_blocking(move || inspect(&path))
        .await
        .map_err(|e| ApiError::internal(format!("inspect task: {e}")))??;
    state
        .db
        .write(move |c| {
            let app_row = applications::require(c, &team, &app)?;
            if let Some(existing) = revisions::by_digest(c, &app_row.id, &upload.sha256)? {
                let bundle = bundles::get(c, &upload.sha256)?.ok_or_else(|| ApiError::internal("revision without bundle"))?;
                return to_revision(&app, &existing, &bundle, false);
            }
            let mut file = upload.file.reopen().map_err(|e| ApiError::internal(format!("spool: {e}")))?;
            let bundle = bundles::store(c, &upload.sha256, format_name(format), &mut file)?;
            let row = RevisionRow {
                id: Uuid::now_v7().to_string(),
                application_id: app_row.id.clone(),
                sha256: upload.sha256.clone(),
                version_label: req.version_label.clone(),
                description: req.description.clone(),
                hook_events: serde_json::to_string(&events)?,
                created_by: actor.clone(),
                created_at: now(),
            };
            revisions::insert(c, &row)?;
            let mut ev = outbox::event(crate::NAME, "revision.registered");
            ev.team = Some(team.clone());
            ev.actor = Some(actor.clone());
            ev.application = Some(app.clone());
            ev.revision_id = Some(uuid(&row.id)?);
            ev.data = serde_json::json!({"sha256": row.sha256, "size_bytes": bundle.size_bytes, "format": bundle.format, "version_label": row.version_label, "hook_events": events});
            outbox::enqueue(c, &ev)?;
            to_revision(&app, &row, &bundle, true)
        })
        .await
}

pub async fn get(state: &State, team: String, app: String, id: Uuid) -> Result<Revision, ApiError> {
    state
        .db
        .run(move |c| {
            let app_row = applications::require(c, &team, &app)?;
            let row = revisions::get(c, &app_row.id, &id.to_string())?
                .ok_or_else(|| ApiError::not_found(format!("revision {id} not found")))?;
            let bundle = bundles::get(c, &row.sha256)?
                .ok_or_else(|| ApiError::internal("revision without bundle"))?;
            to_revision(&app, &row, &bundle, false)
        })
        .await
}

pub async fn list(state: &State, team: String, app: String) -> Result<Vec<Revision>, ApiError> {
    state
        .db
        .run(move |c| {
            let app_row = applications::require(c, &team, &app)?;
            let mut out = Vec::new();
            for row in revisions::list(c, &app_row.id)? {
                let bundle = bundles::get(c, &row.sha256)?
                    .ok_or_else(|| ApiError::internal("revision without bundle"))?;
                out.push(to_revision(&app, &row, &bundle, false)?);
            }
            Ok(out)
        })
        .await
}

/// The stored bundle of a revision visible to `team`: (sha256, size, chunk count).
pub async fn bundle_of(
    state: &State,
    team: String,
    app: String,
    id: Uuid,
) -> Result<BundleRow, ApiError> {
    state
        .db
        .run(move |c| {
            let app_row = applications::require(c, &team, &app)?;
            let row = revisions::get(c, &app_row.id, &id.to_string())?
                .ok_or_else(|| ApiError::not_found(format!("revision {id} not found")))?;
            bundles::get(c, &row.sha256)?
                .ok_or_else(|| ApiError::internal("revision without bundle"))
        })
        .await
}

pub async fn chunk(state: &State, sha256: String, seq: i32) -> Result<Vec<u8>, ApiError> {
    state.db.run(move |c| bundles::chunk(c, &sha256, seq)).await
}
