//! `/v1/applications/{app}/revisions`: push, list, and download bundles.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use futures_util::StreamExt;
use liftoff_kit::auth::TokenKind;
use liftoff_kit::{ApiError, Caller, Role};
use liftoff_types::ErrorBody;
use liftoff_types::deployments::{Revision, RevisionList};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::app::revisions::{PushRequest, Spooled};
use crate::{State, app};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PushQuery {
    version_label: Option<String>,
    description: Option<String>,
    /// The SHA-256 the client computed; the upload is refused (422) if the bytes differ.
    sha256: Option<String>,
}

/// Receives the body into a spool file, hashing as it goes, refusing more than `cap` bytes.
async fn spool(
    state: &State,
    req: &HttpRequest,
    mut payload: web::Payload,
) -> Result<Spooled, ApiError> {
    let cap = state.config.max_bundle_bytes;
    if let Some(len) = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        && len > cap
    {
        return Err(ApiError::too_large(format!(
            "bundle of {len} bytes exceeds the limit of {cap}"
        )));
    }
    let tmp = tempfile::NamedTempFile::new_in(&state.config.spool_dir)
        .map_err(|e| ApiError::unavailable(format!("cannot spool upload: {e}")))?;
    let std_file = tmp
        .as_file()
        .try_clone()
        .map_err(|e| ApiError::internal(format!("spool: {e}")))?;
    let mut file = tokio::fs::File::from_std(std_file);
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::bad_request("invalid_body", format!("upload interrupted: {e}"))
        })?;
        size += chunk.len() as u64;
        if size > cap {
            return Err(ApiError::too_large(format!(
                "bundle exceeds the limit of {cap} bytes"
            )));
        }
        hasher.update(&chunk);
        file.write_all(&chunk)
            .await
            .map_err(|e| ApiError::unavailable(format!("cannot spool upload: {e}")))?;
    }
    file.flush()
        .await
        .map_err(|e| ApiError::unavailable(format!("cannot spool upload: {e}")))?;
    Ok(Spooled {
        file: tmp,
        sha256: hex::encode(hasher.finalize()),
        size,
    })
}

/// Pushes a bundle (`.tar.gz`, `.tar` or `.zip` with `appspec.yml` at its root) as a revision.
/// The same bytes again answer the existing revision (200) instead of a new one (201).
#[utoipa::path(
    tag = "revisions",
    params(("app" = String, Path, description = "Application name"), PushQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The bundle archive"),
    responses(
        (status = 201, body = Revision, description = "A new revision"),
        (status = 200, body = Revision, description = "These bytes were pushed before"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody, description = "No or invalid appspec, unsafe entries, digest mismatch")
    ),
    security(("bearer" = []))
)]
#[post("/v1/applications/{app}/revisions")]
pub async fn push_revision(
    state: web::Data<State>,
    caller: Caller,
    name: web::Path<String>,
    q: web::Query<PushQuery>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Deployer)?.to_string();
    let upload = spool(&state, &req, payload).await?;
    let q = q.into_inner();
    let rev = app::revisions::push(
        &state,
        team,
        caller.subject().to_string(),
        name.into_inner(),
        upload,
        PushRequest {
            version_label: q.version_label,
            description: q.description,
            expected_sha256: q.sha256,
        },
    )
    .await?;
    Ok(if rev.created {
        HttpResponse::Created().json(rev)
    } else {
        HttpResponse::Ok().json(rev)
    })
}

/// The application's revisions, newest first.
#[utoipa::path(
    tag = "revisions",
    params(("app" = String, Path, description = "Application name")),
    responses((status = 200, body = RevisionList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/applications/{app}/revisions")]
pub async fn list_revisions(
    state: web::Data<State>,
    caller: Caller,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Viewer)?.to_string();
    let revisions = app::revisions::list(&state, team, name.into_inner()).await?;
    Ok(HttpResponse::Ok().json(RevisionList { revisions }))
}

/// One revision.
#[utoipa::path(
    tag = "revisions",
    params(("app" = String, Path, description = "Application name"), ("id" = Uuid, Path, description = "Revision id")),
    responses((status = 200, body = Revision), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/applications/{app}/revisions/{id}")]
pub async fn get_revision(
    state: web::Data<State>,
    caller: Caller,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Viewer)?.to_string();
    let (name, id) = path.into_inner();
    Ok(HttpResponse::Ok().json(app::revisions::get(&state, team, name, id).await?))
}

/// Downloads a revision's bundle: for team members, and for the hosts of the same team.
#[utoipa::path(
    tag = "revisions",
    params(("app" = String, Path, description = "Application name"), ("id" = Uuid, Path, description = "Revision id")),
    responses(
        (status = 200, content_type = "application/octet-stream", body = Vec<u8>, headers(("x-content-sha256" = String, description = "SHA-256 of the bytes"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[get("/v1/applications/{app}/revisions/{id}/bundle")]
pub async fn download_bundle(
    state: web::Data<State>,
    caller: Caller,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let team = match caller.kind {
        TokenKind::Host => caller
            .claims
            .team
            .clone()
            .ok_or_else(|| ApiError::unauthorized("host credential without team"))?,
        _ => caller.team(Role::Viewer)?.to_string(),
    };
    let (name, id) = path.into_inner();
    let bundle = app::revisions::bundle_of(&state, team, name, id).await?;
    let sha = bundle.sha256.clone();
    let count = bundle.chunk_count;
    let st = state.clone();
    let stream = futures_util::stream::try_unfold(0i32, move |seq| {
        let st = st.clone();
        let sha = sha.clone();
        async move {
            if seq >= count {
                return Ok::<_, ApiError>(None);
            }
            let data = app::revisions::chunk(&st, sha, seq).await?;
            Ok(Some((web::Bytes::from(data), seq + 1)))
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("application/octet-stream")
        .insert_header(("x-content-sha256", bundle.sha256.clone()))
        .no_chunking(bundle.size_bytes as u64)
        .streaming(stream))
}
