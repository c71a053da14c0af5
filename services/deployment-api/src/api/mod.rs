//! HTTP handlers of deployment-api.

use actix_web::web;
use liftoff_kit::web::BearerSecurity;
use liftoff_types::deployments::*;
use liftoff_types::scheduler::{
    EventStatus, HostOverview, HostTargetStatus, LifecycleEventRecord, RolloutHost,
};
use liftoff_types::{ErrorBody, ErrorDetail};
use utoipa::OpenApi;

use crate::State;

mod applications;
mod deployments;
mod groups;
mod revisions;

#[derive(OpenApi)]
#[openapi(
    info(title = "Liftoff deployment-api", version = "1", description = "Applications, revisions, deployment groups, configurations and deployments."),
    paths(
        applications::create_application, applications::list_applications, applications::get_application,
        revisions::push_revision, revisions::list_revisions, revisions::get_revision, revisions::download_bundle,
        groups::create_group, groups::list_groups, groups::get_group, groups::list_configs,
        groups::create_config,
        deployments::create_deployment, deployments::list_deployments, deployments::get_deployment, deployments::stop_deployment,
        deployments::rollback_deployment, deployments::pause_deployment, deployments::resume_deployment, deployments::approve_deployment,
        deployments::retry_failed_hosts, deployments::exclude_host,
    ),
    components(schemas(
        ErrorBody, ErrorDetail, CreateApplication, Application, ApplicationList, Revision, RevisionList, BundleRef,
        CreateDeploymentGroup, DeploymentGroup, DeploymentGroupList, ConcurrencyPolicy, DeploymentConfig, DeploymentConfigList,
        MinimumHealthy, CreateDeployment, Deployment, DeploymentList, DeploymentStatus, DeploymentReason,
        HostOverview, RolloutHost, HostTargetStatus, LifecycleEventRecord, EventStatus,
        ZoneMode, CanaryBatch, CreateDeploymentConfig, RetryFailedHosts
    )),
    modifiers(&BearerSecurity),
    tags(
        (name = "applications", description = "Applications"),
        (name = "revisions", description = "Bundles pushed for an application"),
        (name = "deployment-groups", description = "Hosts selected by tags, and how to deploy to them"),
        (name = "deployments", description = "Rolling a revision out to a group")
    )
)]
pub struct ApiDoc;

pub fn configure(cfg: &mut web::ServiceConfig, state: web::Data<State>) {
    cfg.app_data(state)
        .service(applications::create_application)
        .service(applications::list_applications)
        .service(applications::get_application)
        .service(revisions::push_revision)
        .service(revisions::list_revisions)
        .service(revisions::download_bundle)
        .service(revisions::get_revision)
        .service(groups::create_group)
        .service(groups::list_groups)
        .service(groups::get_group)
        .service(groups::list_configs)
        .service(groups::create_config)
        .service(deployments::create_deployment)
        .service(deployments::list_deployments)
        .service(deployments::get_deployment)
        .service(deployments::stop_deployment)
        .service(deployments::rollback_deployment)
        .service(deployments::pause_deployment)
        .service(deployments::resume_deployment)
        .service(deployments::approve_deployment)
        .service(deployments::retry_failed_hosts)
        .service(deployments::exclude_host)
        .route(
            "/openapi/deployment-api.json",
            web::get().to(|| async { liftoff_kit::web::openapi_json(ApiDoc::openapi()) }),
        );
}
