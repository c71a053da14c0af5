//! HTTP handlers of the host registry: extract, authorize, call `app`, answer.

use actix_web::web;
use liftoff_types::ErrorBody;
use liftoff_types::registry::*;
use utoipa::OpenApi;

use liftoff_kit::web::BearerSecurity;

use crate::State;

mod enrollment;
mod hosts;

#[derive(OpenApi)]
#[openapi(
    info(title = "Liftoff host-registry", version = "1", description = "Hosts, zones and tags, enrollment, heartbeats."),
    paths(
        enrollment::create_token,
        enrollment::enroll,
        hosts::heartbeat,
        hosts::list_hosts,
        hosts::get_host,
        hosts::deregister,
    ),
    components(schemas(ErrorBody, CreateEnrollmentToken, EnrollmentToken, EnrollRequest, EnrollResponse, Heartbeat, HeartbeatResponse, Host, HostList, HostState)),
    modifiers(&BearerSecurity),
    tags((name = "hosts", description = "The fleet"), (name = "enrollment", description = "Joining the fleet"))
)]
pub struct ApiDoc;

pub fn configure(cfg: &mut web::ServiceConfig, state: web::Data<State>) {
    cfg.app_data(state)
        .service(enrollment::create_token)
        .service(enrollment::enroll)
        .service(hosts::heartbeat)
        .service(hosts::list_hosts)
        .service(hosts::get_host)
        .service(hosts::deregister)
        .route(
            "/openapi/host-registry.json",
            web::get().to(|| async { liftoff_kit::web::openapi_json(ApiDoc::openapi()) }),
        );
}
