//! HTTP handlers of the scheduler.

use actix_web::web;
use liftoff_kit::web::BearerSecurity;
use liftoff_types::ErrorBody;
use liftoff_types::deployments::{BundleRef, CanaryBatch, MinimumHealthy, ZoneMode};
use liftoff_types::scheduler::*;
use utoipa::OpenApi;

use crate::State;

mod agents;
mod gates;
mod rollouts;

#[derive(OpenApi)]
#[openapi(
    info(title = "Liftoff scheduler", version = "1", description = "Rollouts and the agents' command channel."),
    paths(
        rollouts::put_rollout, rollouts::get_rollout, rollouts::stop_rollout, rollouts::pause_rollout, rollouts::resume_rollout,
        rollouts::approve_rollout, rollouts::retry_rollout_failed_hosts, rollouts::exclude_rollout_host, gates::record_gate_changes, gates::record_host_changes, agents::poll, agents::ack, agents::report_event, agents::report_events, agents::complete),
    components(schemas(
        ErrorBody, CreateRollout, Rollout, RolloutStatus, RolloutHost, HostTargetStatus, HostOverview, LifecycleEventRecord,
        EventStatus, EventReport, EventReportBatch, AgentCommand, CommandBatch, CommandStatus, AckResponse, CompleteCommand, CommandState,
        BundleRef, MinimumHealthy, ZoneMode, CanaryBatch, RolloutDetail, RolloutAction, RolloutGates,
        liftoff_types::history::EventBatch, liftoff_types::history::HistoryEvent, liftoff_types::history::IngestResult
    )),
    modifiers(&BearerSecurity),
    tags((name = "rollouts", description = "Per-host plans (called by deployment-api)"), (name = "agents", description = "The command channel (called by agents)"))
)]
pub struct ApiDoc;

pub fn configure(cfg: &mut web::ServiceConfig, state: web::Data<State>) {
    cfg.app_data(state)
        // The agents' routes first: every host's every call is matched against the routes in
        // this order, by a regular expression each.
        .service(agents::poll)
        .service(agents::ack)
        .service(agents::report_events)
        .service(agents::report_event)
        .service(agents::complete)
        .service(rollouts::put_rollout)
        .service(rollouts::get_rollout)
        .service(rollouts::stop_rollout)
        .service(rollouts::pause_rollout)
        .service(rollouts::resume_rollout)
        .service(rollouts::approve_rollout)
        .service(rollouts::retry_rollout_failed_hosts)
        .service(rollouts::exclude_rollout_host)
        .service(gates::record_gate_changes)
        .service(gates::record_host_changes)
        .route(
            "/openapi/scheduler.json",
            web::get().to(|| async { liftoff_kit::web::openapi_json(ApiDoc::openapi()) }),
        );
}
