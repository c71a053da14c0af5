//! Revisions: a bundle pushed for an application, checked before it is accepted.

use std::path::Path;

use std::collections::HashMap;

use liftoff_bundle::{ArchiveFormat, BundleErrorCode};
use liftoff_kit::db::{now, to_utc, uuid};
use liftoff_kit::{AnyConnection, ApiError, outbox};
use liftoff_types::deployments::{RegisterRevisionUrl, Revision, RevisionList};
use liftoff_types::events::EventType;
use liftoff_types::names::validate_text;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

use super::paging::Page;
use crate::State;
use crate::store::applications;
use crate::store::bundles::{self, BundleRow};
use crate::store::revisions::{self, RevisionRow};
use crate::store::{deployments, groups};

/// An upload already on local disk, hashed while it was received.
pub struct Spooled {
    pub file: tempfile::NamedTempFile,
    pub sha256: String,
    pub size: u64,
}

/// Receives a bundle into a temporary file, hashing as it goes and refusing more than `cap`
/// bytes (413). Dropped before `finish`, the file is removed.
pub struct SpoolWriter {
    tmp: tempfile::NamedTempFile,
    file: tokio::fs::File,
    hasher: Sha256,
    size: u64,
    cap: u64,
}

impl SpoolWriter {
    pub fn new(dir: &Path, cap: u64) -> Result<Self, ApiError> {
        let tmp = tempfile::NamedTempFile::new_in(dir)
            .map_err(|e| ApiError::unavailable(format!("cannot spool bundle: {e}")))?;
        let std_file = tmp
            .as_file()
            .try_clone()
            .map_err(|e| ApiError::internal(format!("spool: {e}")))?;
        Ok(Self {
            tmp,
            file: tokio::fs::File::from_std(std_file),
            hasher: Sha256::new(),
            size: 0,
            cap,
        })
    }

    pub fn cap(&self) -> u64 {
        self.cap
    }

    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), ApiError> {
        self.size += chunk.len() as u64;
        if self.size > self.cap {
            return Err(ApiError::too_large(format!(
                "bundle exceeds the limit of {} bytes",
                self.cap
            )));
        }
        self.hasher.update(chunk);
        self.file
            .write_all(chunk)
            .await
            .map_err(|e| ApiError::unavailable(format!("cannot spool bundle: {e}")))
    }

    pub async fn finish(mut self) -> Result<Spooled, ApiError> {
        self.file
            .flush()
            .await
            .map_err(|e| ApiError::unavailable(format!("cannot spool bundle: {e}")))?;
        Ok(Spooled {
            file: self.tmp,
            sha256: hex::encode(self.hasher.finalize()),
            size: self.size,
        })
    }
}

pub struct PushRequest {
    pub version_label: Option<String>,
    pub description: Option<String>,
    /// The digest the client computed; a mismatch means the bytes changed on the way.
    pub expected_sha256: Option<String>,
    /// Where the bytes were fetched from, for revisions registered by URL.
    pub source_url: Option<String>,
}

/// When deployments of a revision first and last started.
#[derive(Debug, Clone, Copy, Default)]
pub struct DeployTimes {
    pub first: Option<chrono::NaiveDateTime>,
    pub last: Option<chrono::NaiveDateTime>,
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
    times: DeployTimes,
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
        warnings: Vec::new(),
        source_url: row.source_url.clone(),
        first_deployed_at: times.first.map(to_utc),
        last_deployed_at: times.last.map(to_utc),
    })
}

/// Reads the archive's format and appspec exactly as the agent will; what the agent would
/// refuse is refused now, with the agent's message.
fn inspect(path: &Path) -> Result<(ArchiveFormat, Vec<String>, Vec<String>), ApiError> {
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
    if format == ArchiveFormat::TarGz {
        check_gzip_stream(path)?;
    }
    let events = spec
        .hooks
        .iter()
        .filter(|(_, scripts)| !scripts.is_empty())
        .map(|(event, _)| event.as_str().to_string())
        .collect();
    Ok((format, events, spec.warnings))
}

/// Reads a gzip stream to its end, so its CRC and length trailer are checked: a tar reader
/// stops at the archive's end marker and would accept a bundle cut off just before the
/// trailer. The output is bounded like an unpack.
fn check_gzip_stream(path: &Path) -> Result<(), ApiError> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| ApiError::internal(format!("spool: {e}")))?;
    let limit = liftoff_bundle::UnpackLimits::default().max_total_bytes * 2;
    let mut decoder = flate2::read::MultiGzDecoder::new(std::io::BufReader::new(file));
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        match decoder.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => {
                total += n as u64;
                if total > limit {
                    return Err(ApiError::too_large(format!(
                        "the bundle unpacks to more than {limit} bytes"
                    )));
                }
            }
            Err(e) => {
                return Err(ApiError::unprocessable(
                    "bundle_corrupt",
                    format!("the gzip stream is damaged or cut off: {e}"),
                ));
            }
        }
    }
}

pub async fn push(
    state: &State,
    team: String,
    actor: String,
    app: String,
    upload: Spooled,
    req: PushRequest,
) -> Result<Revision, ApiError> {
    validate_labels(req.version_label.as_deref(), req.description.as_deref())?;
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
    let (format, events, mut warnings) = tokio::task::spawn_blocking(move || inspect(&path))
        .await
        .map_err(|e| ApiError::internal(format!("inspect task: {e}")))??;
    let traffic_events: Vec<String> = events
        .iter()
        .filter(|e| liftoff_bundle::LifecycleEvent::parse(e).is_some_and(|e| e.is_traffic_event()))
        .cloned()
        .collect();
    let (revision, unmanaged) = state
        .db
        .write(move |c| {
            let app_row = applications::require(c, &team, &app)?;
            // Traffic hooks run only in groups whose traffic they manage: say so when no group
            // of the application would run them.
            let unmanaged = !traffic_events.is_empty()
                && !groups::any_with_traffic_hooks(c, &app_row.id)?;
            let unmanaged = unmanaged.then(|| {
                format!(
                    "hooks for {} will not run: no deployment group of application {app:?} has traffic_hooks on (liftoff group update --app {app} <group> --traffic-hooks)",
                    traffic_events.join(", ")
                )
            });
            if let Some(existing) = revisions::by_digest(c, &app_row.id, &upload.sha256)? {
                let bundle = bundles::get(c, &upload.sha256)?.ok_or_else(|| ApiError::internal("revision without bundle"))?;
                let times = deploy_times(c, &app_row.id)?.remove(&existing.id).unwrap_or_default();
                return Ok((to_revision(&app, &existing, &bundle, false, times)?, unmanaged));
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
                source_url: req.source_url.clone(),
            };
            revisions::insert(c, &row)?;
            let mut ev = outbox::event(crate::NAME, EventType::RevisionRegistered);
            ev.team = Some(team.clone());
            ev.actor = Some(actor.clone());
            ev.application = Some(app.clone());
            ev.revision_id = Some(uuid(&row.id)?);
            ev.data = serde_json::json!({"sha256": row.sha256, "size_bytes": bundle.size_bytes, "format": bundle.format, "version_label": row.version_label, "hook_events": events, "source_url": row.source_url});
            outbox::enqueue(c, &ev)?;
            Ok((to_revision(&app, &row, &bundle, true, DeployTimes::default())?, unmanaged))
        })
        .await?;
    warnings.extend(unmanaged);
    Ok(Revision {
        warnings,
        ..revision
    })
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
            let times = deploy_times(c, &app_row.id)?
                .remove(&row.id)
                .unwrap_or_default();
            to_revision(&app, &row, &bundle, false, times)
        })
        .await
}

/// A page of the application's revisions, newest first.
pub async fn list(
    state: &State,
    team: String,
    app: String,
    page: Page,
) -> Result<RevisionList, ApiError> {
    if let Some(c) = &page.after {
        Uuid::parse_str(c)
            .map_err(|_| ApiError::invalid_field("cursor: not a cursor from this API"))?;
    }
    state
        .db
        .run(move |c| {
            let app_row = applications::require(c, &team, &app)?;
            let rows = revisions::list(c, &app_row.id, page.after.as_deref(), page.fetch())?;
            let (rows, next_cursor) = page.cut(rows, |r| r.id.clone());
            let mut times = deploy_times(c, &app_row.id)?;
            let mut out = Vec::new();
            for row in rows {
                let bundle = bundles::get(c, &row.sha256)?
                    .ok_or_else(|| ApiError::internal("revision without bundle"))?;
                let t = times.remove(&row.id).unwrap_or_default();
                out.push(to_revision(&app, &row, &bundle, false, t)?);
            }
            Ok(RevisionList {
                revisions: out,
                next_cursor,
            })
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

fn deploy_times(
    c: &mut AnyConnection,
    application_id: &str,
) -> Result<HashMap<String, DeployTimes>, ApiError> {
    Ok(deployments::deploy_times(c, application_id)?
        .into_iter()
        .map(|(id, first, last)| (id, DeployTimes { first, last }))
        .collect())
}

fn validate_labels(version_label: Option<&str>, description: Option<&str>) -> Result<(), ApiError> {
    if let Some(v) = version_label {
        validate_text("version_label", v, 128).map_err(ApiError::invalid_field)?;
    }
    if let Some(d) = description {
        validate_text("description", d, 4096).map_err(ApiError::invalid_field)?;
    }
    Ok(())
}

fn validate_digest(sha256: &str) -> Result<(), ApiError> {
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::invalid_field(
            "sha256: 64 hexadecimal characters (the SHA-256 of the bundle)",
        ));
    }
    Ok(())
}

/// Registers a revision by URL: the bundle is fetched (SSRF-safe, see `bundle_fetch`), then
/// checked and stored exactly like an upload. When the application already has a revision
/// with this digest, that revision is the answer and nothing is fetched.
pub async fn register_url(
    state: &State,
    team: String,
    actor: String,
    app: String,
    req: RegisterRevisionUrl,
) -> Result<Revision, ApiError> {
    validate_digest(&req.sha256)?;
    validate_labels(req.version_label.as_deref(), req.description.as_deref())?;
    let sha256 = req.sha256.to_ascii_lowercase();
    let url = crate::bundle_fetch::parse(&req.url)?;
    let fetch = &state.config.bundle_fetch;
    let existing = {
        let (team, app, sha) = (team.clone(), app.clone(), sha256.clone());
        state
            .db
            .run(move |c| {
                let app_row = applications::require(c, &team, &app)?;
                let Some(row) = revisions::by_digest(c, &app_row.id, &sha)? else {
                    return Ok(None);
                };
                let bundle = bundles::get(c, &row.sha256)?
                    .ok_or_else(|| ApiError::internal("revision without bundle"))?;
                let times = deploy_times(c, &app_row.id)?
                    .remove(&row.id)
                    .unwrap_or_default();
                to_revision(&app, &row, &bundle, false, times).map(Some)
            })
            .await?
    };
    if let Some(rev) = existing {
        // A forbidden URL is refused even when the answer needs no fetch.
        crate::bundle_fetch::vet(fetch, &url).await?;
        return Ok(rev);
    }
    // The fetch checks every hop itself, resolving each name once, right before connecting.
    let spool = SpoolWriter::new(&state.config.spool_dir, state.config.max_bundle_bytes)?;
    let source = crate::bundle_fetch::source_of(&url);
    let upload = crate::bundle_fetch::fetch(fetch, url, spool).await?;
    push(
        state,
        team,
        actor,
        app,
        upload,
        PushRequest {
            version_label: req.version_label,
            description: req.description,
            expected_sha256: Some(sha256),
            source_url: Some(source),
        },
    )
    .await
}
