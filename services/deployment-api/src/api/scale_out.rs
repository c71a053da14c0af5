//! `/v1/scale-out-installs`: the host registry's scale-out intake (service credential).

use actix_web::{HttpResponse, post, web};
use liftoff_kit::{ApiError, Caller};
use liftoff_types::ErrorBody;
use liftoff_types::scale_out::{ScaleOutPlan, ScaleOutRequest};

use crate::{State, app};

/// The installs a host needs for the deployment groups it entered: a single-host `scale_out`
/// deployment of each group's last successful revision, or the deployment running in the group.
#[utoipa::path(
    tag = "scale-out",
    request_body = ScaleOutRequest,
    responses(
        (status = 200, body = ScaleOutPlan),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/v1/scale-out-installs")]
pub async fn scale_out(
    state: web::Data<State>,
    caller: Caller,
    body: web::Json<ScaleOutRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.service()?;
    let plan =
        app::scale_out::plan(&state, caller.subject().to_string(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(plan))
}
