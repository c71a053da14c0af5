//! `/v1/applications/{app}/revisions`: push (an archive, or JSON naming a URL), list, and
//! download bundles.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use futures_util::StreamExt;
use liftoff_kit::auth::TokenKind;
use liftoff_kit::{ApiError, Caller, Role};
use liftoff_types::ErrorBody;
use liftoff_types::deployments::{RegisterRevisionUrl, Revision, RevisionList};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::paging::PageQuery;
use crate::app::revisions::{PushRequest, SpoolWriter, Spooled};
use crate::{State, app};

/// Content types a bundle upload may be sent with (the OpenAPI document lists the same).
use liftoff_kit::contract::ARCHIVE_MEDIA_TYPES as ARCHIVE_TYPES;

/// Largest JSON body for a URL registration.
const MAX_JSON_BYTES: usize = 64 * 1024;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PushQuery {
    /// Uploads only (JSON bodies carry it in the body).
    version_label: Option<String>,
    /// Uploads only (JSON bodies carry it in the body).
    description: Option<String>,
    /// Uploads only: the SHA-256 the client computed; the upload is refused (422) if the bytes differ.
    sha256: Option<String>,
}

/// Receives the body into a spool file, hashing as it goes, refusing more than `cap` bytes.
async fn spool(
    state: &State,
    req: &HttpRequest,
    mut payload: web::Payload,
) -> Result<Spooled, ApiError> {
    let cap = state.config.max_bundle_bytes;
    if let Some(len) = content_length(req)
        && len > cap
    {
        return Err(ApiError::too_large(format!(
            "bundle of {len} bytes exceeds the limit of {cap}"
        )));
    }
    let mut spool = SpoolWriter::new(&state.config.spool_dir, cap)?;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::bad_request("invalid_body", format!("upload interrupted: {e}"))
        })?;
        spool.write(&chunk).await?;
    }
    spool.finish().await
}

fn content_length(req: &HttpRequest) -> Option<u64> {
    req.headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
}

/// The media type without parameters, lowercased (`application/json; charset=utf-8` →
/// `application/json`); empty when absent.
fn media_type(req: &HttpRequest) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Reads a small JSON body: 413 over the cap, 400 `invalid_json` / `invalid_request`.
async fn read_json<T: serde::de::DeserializeOwned>(
    req: &HttpRequest,
    mut payload: web::Payload,
) -> Result<T, ApiError> {
    if content_length(req).is_some_and(|l| l > MAX_JSON_BYTES as u64) {
        return Err(ApiError::too_large(format!(
            "body exceeds the limit of {MAX_JSON_BYTES} bytes"
        )));
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::bad_request("invalid_body", format!("body interrupted: {e}")))?;
        if body.len() + chunk.len() > MAX_JSON_BYTES {
            return Err(ApiError::too_large(format!(
                "body exceeds the limit of {MAX_JSON_BYTES} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&body).map_err(|e| {
        if e.is_data() {
            ApiError::bad_request("invalid_request", e.to_string())
        } else {
            ApiError::bad_request("invalid_json", e.to_string())
        }
    })
}

/// Pushes a revision. Either the bundle itself (`.tar.gz`, `.tar` or `.zip` with
/// `appspec.yml` at its root, sent as `application/octet-stream` or an archive type), or
/// `application/json` `{"url", "sha256"}`: the server fetches the URL (HTTP(S) only; never
/// loopback, private, link-local or metadata addresses unless the operator allows them;
/// redirects checked hop by hop) and checks the bytes exactly like an upload.
/// The same bytes again answer the existing revision (200) instead of a new one (201).
#[utoipa::path(
    tag = "revisions",
    params(("app" = String, Path, description = "Application name"), PushQuery),
    request_body(
        description = "The bundle archive (application/octet-stream or an archive type), or JSON naming a URL and its SHA-256",
        content(
            (Vec<u8> = "application/octet-stream"),
            (RegisterRevisionUrl = "application/json")
        )
    ),
    responses(
        (status = 201, body = Revision, description = "A new revision"),
        (status = 200, body = Revision, description = "These bytes were pushed before"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody, description = "Over the bundle size limit"),
        (status = 415, body = ErrorBody, description = "Neither an archive content type nor JSON"),
        (status = 422, body = ErrorBody, description = "No or invalid appspec, unsafe entries, digest_mismatch, bundle_url_forbidden, bundle_fetch_failed, bundle_fetch_timeout")
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
    let actor = caller.subject().to_string();
    let q = q.into_inner();
    let media = media_type(&req);
    let rev = if media == "application/json" {
        if q.version_label.is_some() || q.description.is_some() || q.sha256.is_some() {
            return Err(ApiError::bad_request(
                "invalid_query",
                "with a JSON body, put version_label, description and sha256 in the body",
            ));
        }
        let body: RegisterRevisionUrl = read_json(&req, payload).await?;
        app::revisions::register_url(&state, team, actor, name.into_inner(), body).await?
    } else if ARCHIVE_TYPES.contains(&media.as_str()) {
        let upload = spool(&state, &req, payload).await?;
        app::revisions::push(
            &state,
            team,
            actor,
            name.into_inner(),
            upload,
            PushRequest {
                version_label: q.version_label,
                description: q.description,
                expected_sha256: q.sha256,
                source_url: None,
            },
        )
        .await?
    } else {
        return Err(ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!(
                "Content-Type {:?}: send the bundle as application/octet-stream (or {}), or JSON {{\"url\", \"sha256\"}} as application/json",
                media,
                ARCHIVE_TYPES[1..].join(", ")
            ),
        ));
    };
    Ok(if rev.created {
        HttpResponse::Created().json(rev)
    } else {
        HttpResponse::Ok().json(rev)
    })
}

/// The application's revisions, newest first, with when each was first and last deployed.
#[utoipa::path(
    tag = "revisions",
    params(("app" = String, Path, description = "Application name"), PageQuery),
    responses((status = 200, body = RevisionList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/applications/{app}/revisions")]
pub async fn list_revisions(
    state: web::Data<State>,
    caller: Caller,
    name: web::Path<String>,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Viewer)?.to_string();
    let page = q.into_inner().page()?;
    Ok(HttpResponse::Ok().json(app::revisions::list(&state, team, name.into_inner(), page).await?))
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
