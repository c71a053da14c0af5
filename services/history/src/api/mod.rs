//! HTTP handlers of the history service.

use actix_web::web;
use liftoff_kit::ApiError;
use liftoff_kit::web::BearerSecurity;
use liftoff_types::ErrorBody;
use liftoff_types::history::*;
use liftoff_types::names::validate_name;
use liftoff_types::webhooks::*;
use utoipa::OpenApi;

use crate::State;

mod events;
mod hosts;
mod logs;
mod pins;
mod webhooks;

#[derive(OpenApi)]
#[openapi(
    info(title = "Liftoff history", version = "1", description = "The event log of everything that happened, and the questions asked of it."),
    paths(
        events::ingest, events::list_events, events::audit,
        hosts::host_revisions, hosts::revision_hosts, hosts::group_at,
        logs::upload_log, logs::upload_logs, logs::deployment_logs,
        pins::list_pins, pins::pin, pins::unpin,
        webhooks::create_webhook, webhooks::list_webhooks, webhooks::get_webhook,
        webhooks::delete_webhook, webhooks::rotate_webhook_secret, webhooks::test_webhook,
        webhooks::list_deliveries, webhooks::redeliver,
    ),
    components(schemas(
        ErrorBody, HistoryEvent, EventBatch, IngestResult, RecordedEvent, EventPage, HostRevision,
        HostRevisionList, HostRevisionAt, GroupDeploymentAt, GroupAtTime, AuditEntry, AuditPage,
        HookLogUpload, HookLogBatch, HookLogEntry, HookLog, HookLogPage, Pin, CreatePin, PinList,
        CreateWebhook, Webhook, WebhookWithSecret, WebhookList, RotateWebhookSecret,
        DeliveryStatus, DeliveryAttempt, WebhookDelivery, DeliveryPage,
    )),
    modifiers(&BearerSecurity),
    tags((name = "history", description = "Events and queries"), (name = "audit", description = "Who did what"), (name = "hook-logs", description = "Full hook output per host and event"), (name = "retention", description = "Pins that keep a revision's record"), (name = "webhooks", description = "Signed CloudEvents to a team's URLs"))
)]
pub struct ApiDoc;

pub fn configure(cfg: &mut web::ServiceConfig, state: web::Data<State>) {
    cfg.app_data(state)
        .service(events::ingest)
        .service(events::list_events)
        .service(events::audit)
        .service(hosts::host_revisions)
        .service(hosts::revision_hosts)
        .service(hosts::group_at)
        .service(logs::upload_log)
        .service(logs::upload_logs)
        .service(logs::deployment_logs)
        .service(pins::list_pins)
        .service(pins::pin)
        .service(pins::unpin)
        .service(webhooks::create_webhook)
        .service(webhooks::list_webhooks)
        .service(webhooks::get_webhook)
        .service(webhooks::delete_webhook)
        .service(webhooks::rotate_webhook_secret)
        .service(webhooks::test_webhook)
        .service(webhooks::list_deliveries)
        .service(webhooks::redeliver)
        .route(
            "/openapi/history.json",
            web::get().to(|| async { liftoff_kit::web::openapi_json(ApiDoc::openapi()) }),
        );
}

pub(crate) use liftoff_kit::web::json_body;

pub(crate) fn name(field: &str, value: Option<String>) -> Result<Option<String>, ApiError> {
    if let Some(v) = &value {
        validate_name(field, v).map_err(ApiError::invalid_field)?;
    }
    Ok(value)
}
