//! HTTP handlers of deployment-api.

use actix_web::web;
use liftoff_kit::web::BearerSecurity;
use liftoff_types::deployments::*;
use liftoff_types::scheduler::{
    EventStatus, HostOverview, HostTargetStatus, LifecycleEventRecord, RolloutHost,
};
use liftoff_types::tokens::{
    CreateTeam, CreateToken, CreatedToken, Revocation, RevocationKind, RevocationPage,
    RevokeCredential, RevokedToken, Team, TeamList, TeamRole, TokenList, TokenRecord, Whoami,
};
use liftoff_types::{ErrorBody, ErrorDetail};
use utoipa::OpenApi;

use crate::State;

mod applications;
mod configs;
mod deployments;
mod freezes;
mod groups;
mod paging;
mod revisions;
mod scale_out;
mod stages;
mod stream;
mod teams;
mod tokens;
mod whoami;
mod windows;

#[derive(OpenApi)]
#[openapi(
    info(title = "Liftoff deployment-api", version = "1", description = "Applications, revisions, deployment groups, configurations, stages and deployments."),
    paths(
        applications::create_application, applications::list_applications, applications::get_application,
        applications::update_application, applications::delete_application,
        revisions::push_revision, revisions::list_revisions, revisions::get_revision, revisions::download_bundle,
        groups::create_group, groups::list_groups, groups::get_group, groups::update_group,
        configs::list_configs, configs::create_config, configs::get_config, configs::delete_config,
        stages::list_stages, stages::promote, stages::set_stage_approval, stages::clear_stage_approval,
        stages::list_promotion_requests, stages::get_promotion_request, stages::approve_promotion_request,
        stages::reject_promotion_request,
        deployments::create_deployment, deployments::list_deployments, deployments::get_deployment, deployments::list_deployment_hosts, deployments::stop_deployment, deployments::override_freeze,
        deployments::rollback_deployment, deployments::pause_deployment, deployments::resume_deployment, deployments::approve_deployment,
        deployments::retry_failed_hosts, deployments::exclude_host, deployments::record_progress,
        stream::stream_deployment, whoami::whoami,
        teams::create_team, teams::list_teams, teams::get_team, teams::disable_team, teams::enable_team,
        teams::create_token, teams::list_tokens, tokens::revoke_token, tokens::revocations, tokens::revoke_credential, tokens::record_revocation_events,
        scale_out::scale_out,
        freezes::create_freeze, freezes::list_freezes, freezes::lift_freeze,
        windows::get_windows, windows::set_windows, windows::get_app_windows, windows::set_app_windows,
    ),
    components(schemas(
        ErrorBody, ErrorDetail, CreateApplication, Application, ApplicationList, UpdateApplication, ApplicationDeleted,
        Revision, RevisionList, RegisterRevisionUrl,
        CreateDeploymentGroup, DeploymentGroup, DeploymentGroupList, UpdateDeploymentGroup, ConcurrencyPolicy,
        DeploymentConfig, DeploymentConfigList, CreateDeploymentConfig, ZoneMode, Stage, StageList, Promote, Promotion,
        StageApproval, PromotionRequest, PromotionRequestList, PromotionRequestStatus, RejectPromotion,
        MinimumHealthy, CreateFreeze, Freeze, FreezeList, FreezeOverride, SetDeploymentWindows, DeploymentWindows, WindowSource, OutsideWindow, CreateDeployment, Deployment, DeploymentList, DeploymentHostList, ZoneOverview, DeploymentStatus, DeploymentReason,
        HostOverview, RolloutHost, HostTargetStatus, LifecycleEventRecord, EventStatus,
        CreateTeam, Team, TeamList, TeamRole, CreateToken, CreatedToken, TokenRecord, TokenList, RevokedToken, Whoami,
        Revocation, RevocationKind, RevocationPage, RevokeCredential,

        RetryFailedHosts,
        liftoff_types::history::EventBatch, liftoff_types::history::HistoryEvent, liftoff_types::history::IngestResult
    )),
    modifiers(&BearerSecurity),
    tags(
        (name = "applications", description = "Applications"),
        (name = "revisions", description = "Bundles pushed for an application"),
        (name = "deployment-groups", description = "Hosts selected by tags, and how to deploy to them"),
        (name = "deployment-configs", description = "How much of a fleet may be offline at once, zone mode, canary batch"),
        (name = "stages", description = "Groups ordered as stages, and promotion from one to the next"),
        (name = "deployments", description = "Rolling a revision out to a group"),
        (name = "freezes", description = "Times when deployments are refused, unless an admin overrides"),
        (name = "teams", description = "Teams and their tokens"),
        (name = "tokens", description = "Revocation, and the revocation feed"),
        (name = "scale-out", description = "Installs for hosts that enter a group (host registry only)")
    )
)]
pub struct ApiDoc;

pub fn configure(cfg: &mut web::ServiceConfig, state: web::Data<State>) {
    cfg.app_data(state)
        .service(applications::create_application)
        .service(applications::list_applications)
        .service(applications::get_application)
        .service(applications::update_application)
        .service(applications::delete_application)
        .service(stages::list_stages)
        .service(stages::promote)
        .service(stages::set_stage_approval)
        .service(stages::clear_stage_approval)
        .service(stages::list_promotion_requests)
        .service(stages::get_promotion_request)
        .service(stages::approve_promotion_request)
        .service(stages::reject_promotion_request)
        .service(revisions::push_revision)
        .service(revisions::list_revisions)
        .service(revisions::download_bundle)
        .service(revisions::get_revision)
        .service(groups::create_group)
        .service(groups::list_groups)
        .service(groups::get_group)
        .service(groups::update_group)
        .service(configs::list_configs)
        .service(configs::create_config)
        .service(configs::get_config)
        .service(configs::delete_config)
        .service(deployments::create_deployment)
        .service(deployments::list_deployments)
        .service(deployments::get_deployment)
        .service(deployments::list_deployment_hosts)
        .service(deployments::stop_deployment)
        .service(deployments::override_freeze)
        .service(deployments::rollback_deployment)
        .service(deployments::pause_deployment)
        .service(deployments::resume_deployment)
        .service(deployments::approve_deployment)
        .service(deployments::retry_failed_hosts)
        .service(deployments::exclude_host)
        .service(deployments::record_progress)
        .service(stream::stream_deployment)
        .service(whoami::whoami)
        .service(teams::create_team)
        .service(teams::list_teams)
        .service(teams::get_team)
        .service(teams::disable_team)
        .service(teams::enable_team)
        .service(teams::create_token)
        .service(teams::list_tokens)
        // Before `/v1/tokens/{jti}/...`, though their shapes already differ.
        .service(tokens::revocations)
        .service(tokens::revoke_token)
        .service(tokens::revoke_credential)
        .service(tokens::record_revocation_events)
        .service(scale_out::scale_out)
        .service(freezes::create_freeze)
        .service(freezes::list_freezes)
        .service(freezes::lift_freeze)
        .service(windows::get_windows)
        .service(windows::set_windows)
        .service(windows::get_app_windows)
        .service(windows::set_app_windows)
        .route(
            "/openapi/deployment-api.json",
            web::get().to(|| async { liftoff_kit::web::openapi_json(ApiDoc::openapi()) }),
        );
}
