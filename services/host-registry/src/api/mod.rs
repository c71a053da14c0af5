//! HTTP handlers of the host registry: extract, authorize, call `app`, answer.

use actix_web::web;
use liftoff_types::ErrorBody;
use liftoff_types::autoscaling::*;
use liftoff_types::registry::*;
use utoipa::OpenApi;

use liftoff_kit::web::BearerSecurity;

use crate::State;
use autoscaling::SignatureSecurity;

mod autoscaling;
mod enrollment;
mod hosts;

#[derive(OpenApi)]
#[openapi(
    info(title = "Liftoff host-registry", version = "1", description = "Hosts, zones and tags, enrollment, heartbeats, the host lifecycle and autoscaling hooks."),
    paths(
        enrollment::create_token,
        enrollment::list_tokens,
        enrollment::revoke_token,
        enrollment::enroll,
        hosts::heartbeat,
        hosts::heard,
        hosts::list_hosts,
        hosts::get_host,
        hosts::update_host,
        hosts::reinstall_host,
        hosts::deregister,
        hosts::command_result,
        hosts::report_revisions,
        hosts::record_install_outcomes,
        hosts::record_scale_out_plans,
        autoscaling::event,
        autoscaling::lifecycle_actions,
    ),
    components(schemas(
        ErrorBody, CreateEnrollmentToken, EnrollmentToken, EnrollmentTokenList, EnrollRequest, EnrollResponse,
        Heartbeat, HeartbeatResponse, HeardFeed, HeardHost, HeardFeedResponse, HostCommand, HostCommandKind, HostCommandResult,
        Host, HostList, HostState, HostInstall, InstallMode, InstallStatus, UpdateHost,
        HostRevision, HostRevisionReport, HostRevisionReports, HostRevisionsRecorded,
        InstallOutcome, InstallOutcomes, InstallOutcomesRecorded,
        AutoscalingEvent, AutoscalingEventAccepted, LifecycleAction, LifecycleActionList,
        LifecycleActionStatus, LifecycleResult, ScaleDirection
    )),
    modifiers(&BearerSecurity, &SignatureSecurity),
    tags(
        (name = "hosts", description = "The fleet"),
        (name = "enrollment", description = "Joining the fleet"),
        (name = "autoscaling", description = "Lifecycle hooks of an autoscaler")
    )
)]
pub struct ApiDoc;

pub fn configure(cfg: &mut web::ServiceConfig, state: web::Data<State>) {
    cfg.app_data(state)
        .service(enrollment::create_token)
        .service(enrollment::list_tokens)
        .service(enrollment::revoke_token)
        .service(enrollment::enroll)
        .service(hosts::heartbeat)
        .service(hosts::heard)
        .service(hosts::list_hosts)
        .service(hosts::get_host)
        .service(hosts::update_host)
        .service(hosts::reinstall_host)
        .service(hosts::deregister)
        .service(hosts::command_result)
        .service(hosts::report_revisions)
        .service(hosts::record_install_outcomes)
        .service(hosts::record_scale_out_plans)
        .service(autoscaling::event)
        .service(autoscaling::lifecycle_actions)
        .route(
            "/openapi/host-registry.json",
            web::get().to(|| async { liftoff_kit::web::openapi_json(ApiDoc::openapi()) }),
        );
}
