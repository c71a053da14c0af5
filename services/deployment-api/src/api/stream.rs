//! `GET /v1/deployments/{id}/stream`: a deployment's changes as server-sent events, authorized
//! and scoped to the caller's team exactly like `GET /v1/deployments/{id}`. Each event is
//! `event: deployment` with the whole deployment (the same JSON) as `data`; a comment line
//! keeps an idle connection alive; the stream ends when the deployment is terminal, when it
//! is gone, or after a bounded time (see [`crate::app::watch`]).

use actix_web::web::Bytes;
use actix_web::{HttpResponse, get, web};
use futures_util::StreamExt;
use liftoff_kit::{ApiError, Caller, Role};
use liftoff_types::ErrorBody;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::State;
use crate::app::watch::{Seen, Watch, Watcher};

/// One server-sent event carrying `d`.
fn event(d: &liftoff_types::deployments::Deployment) -> Bytes {
    let data = serde_json::to_string(d).unwrap_or_else(|_| "{}".to_string());
    Bytes::from(format!("event: deployment\ndata: {data}\n\n"))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// `false`: each host without its lifecycle events (what a large fleet's grid needs: every
    /// host's state, a fraction of the bytes). Default `true`.
    events: Option<bool>,
    /// `false`: no host list at all, only the counts by zone and state (`zones`): what a
    /// 10,000-host deployment's live view needs, whatever the fleet's size; read the hosts of
    /// a zone from `GET /v1/deployments/{id}/hosts` when they are shown. Default `true`.
    hosts: Option<bool>,
}

/// A deployment's changes, live: one `deployment` event now, then one per change of its state
/// or per-host progress. Ends when the deployment is terminal, or after at most 30 s (reconnect
/// for more).
#[utoipa::path(
    tag = "deployments",
    params(("id" = Uuid, Path, description = "Deployment id"), StreamQuery),
    responses(
        (status = 200, content_type = "text/event-stream", body = String,
         description = "Server-sent events: `event: deployment`, `data:` the deployment as JSON (as `GET /v1/deployments/{id}` answers it), first as it is, then at each change"),
        (status = 400, body = ErrorBody, description = "Not a deployment id, or an unknown query parameter"),
        (status = 401, body = ErrorBody, description = "No valid team token"),
        (status = 404, body = ErrorBody, description = "No such deployment in the caller's team")
    ),
    security(("bearer" = []))
)]
#[get("/v1/deployments/{id}/stream")]
pub async fn stream_deployment(
    state: web::Data<State>,
    caller: Caller,
    id: web::Path<Uuid>,
    q: web::Query<StreamQuery>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Viewer)?.to_string();
    let watch = Watch {
        events: q.events.unwrap_or(true),
        hosts: q.hosts.unwrap_or(true),
        ..Watch::default()
    };
    let (watcher, first) = Watcher::start(state, team, id.into_inner(), watch).await?;
    let head = Bytes::from(format!(
        "retry: 1000\n\n{}",
        String::from_utf8_lossy(&event(&first))
    ));
    let rest = futures_util::stream::unfold(watcher, |mut w| async move {
        let seen = w.next().await?;
        let bytes = match seen {
            Seen::Changed(d) => event(&d),
            Seen::Unchanged => Bytes::from_static(b": still watching\n\n"),
        };
        Some((Ok::<_, actix_web::Error>(bytes), w))
    });
    let body =
        futures_util::stream::once(async move { Ok::<_, actix_web::Error>(head) }).chain(rest);
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("cache-control", "no-cache"))
        .insert_header(("x-accel-buffering", "no"))
        .streaming(body))
}
