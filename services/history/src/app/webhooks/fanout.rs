//! From the log to the delivery queue: every event history appends is matched against its
//! team's subscriptions in the same transaction, and a delivery is queued for each match, its
//! body the CloudEvent as it will be sent (so every retry sends the same bytes). An event is
//! in the log if and only if its deliveries are queued; a crash loses neither.

use std::collections::BTreeSet;

use liftoff_kit::db::now;
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::history::HistoryEvent;
use liftoff_types::webhooks::DeliveryStatus;
use uuid::Uuid;

use super::patterns;
use crate::store::webhooks::{self as store, NewDelivery, WebhookRow};

/// What an event is about, the unit of ordering: the deployment, else the host, else the
/// event itself.
pub fn subject(ev: &HistoryEvent) -> String {
    if let Some(d) = ev.deployment_id {
        format!("deployments/{d}")
    } else if let Some(h) = ev.host_id {
        format!("hosts/{h}")
    } else if let (Some(a), Some(g)) = (&ev.application, &ev.deployment_group) {
        format!("applications/{a}/deployment-groups/{g}")
    } else if let Some(a) = &ev.application {
        format!("applications/{a}")
    } else {
        format!("events/{}", ev.event_id)
    }
}

/// The CloudEvents 1.0 JSON event (structured mode) for `ev`.
pub fn cloud_event(ev: &HistoryEvent) -> serde_json::Value {
    serde_json::json!({
        "specversion": "1.0",
        "type": ev.event_type,
        "source": format!("/liftoff/{}", ev.source),
        "id": ev.event_id.to_string(),
        "time": ev.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "subject": subject(ev),
        "datacontenttype": "application/json",
        "data": {
            "team": ev.team,
            "actor": ev.actor,
            "application": ev.application,
            "deployment_group": ev.deployment_group,
            "deployment_id": ev.deployment_id,
            "host_id": ev.host_id,
            "revision_id": ev.revision_id,
            "detail": ev.data,
        },
    })
}

/// Whether subscription `w` (its patterns parsed) wants `ev`.
fn wants(w: &WebhookRow, patterns: &[String], ev: &HistoryEvent) -> bool {
    ev.team.as_deref() == Some(w.team.as_str())
        && w.application
            .as_ref()
            .is_none_or(|a| ev.application.as_ref() == Some(a))
        && w.deployment_group
            .as_ref()
            .is_none_or(|g| ev.deployment_group.as_ref() == Some(g))
        && patterns
            .iter()
            .any(|p| patterns::matches(p, &ev.event_type))
}

/// A delivery of `ev` to subscription `webhook_id`, due now.
pub fn delivery(webhook_id: &str, team: &str, ev: &HistoryEvent) -> Result<NewDelivery, ApiError> {
    let at = now();
    Ok(NewDelivery {
        delivery_id: Uuid::now_v7().to_string(),
        webhook_id: webhook_id.to_string(),
        team: team.to_string(),
        event_id: ev.event_id.to_string(),
        event_type: ev.event_type.clone(),
        subject: subject(ev),
        body: serde_json::to_string(&cloud_event(ev))?,
        status: DeliveryStatus::Pending.as_str(),
        attempts: 0,
        queued_at: at,
        next_attempt_at: at,
        created_at: at,
    })
}

/// Queues a delivery of each of `events` (newly appended, in log order) to each subscription
/// that wants it; call inside the transaction that appends them. Returns how many.
pub fn enqueue(c: &mut AnyConnection, events: &[&HistoryEvent]) -> Result<usize, ApiError> {
    let teams: Vec<String> = events
        .iter()
        .filter_map(|e| e.team.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let subscriptions = store::of_teams(c, &teams)?;
    if subscriptions.is_empty() {
        return Ok(0);
    }
    let parsed: Vec<(WebhookRow, Vec<String>)> = subscriptions
        .into_iter()
        .map(|w| {
            let p: Vec<String> = serde_json::from_str(&w.events).unwrap_or_default();
            (w, p)
        })
        .collect();
    let mut rows = Vec::new();
    for ev in events {
        for (w, p) in &parsed {
            if wants(w, p, ev) {
                rows.push(delivery(&w.id, &w.team, ev)?);
            }
        }
    }
    store::enqueue(c, &rows)?;
    if !rows.is_empty() {
        // Delivered as soon as the transaction committed, not at the next tick.
        liftoff_kit::outbox::mark_written();
    }
    Ok(rows.len())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn event(t: &str) -> HistoryEvent {
        let t = liftoff_types::events::EventType::parse(t).unwrap();
        let mut e = liftoff_kit::outbox::event("scheduler", t);
        e.team = Some("shop-team".into());
        e
    }

    #[test]
    fn the_subject_is_the_deployment_then_the_host() {
        let mut e = event("host.event_finished");
        let (d, h) = (Uuid::now_v7(), Uuid::now_v7());
        e.host_id = Some(h);
        assert_eq!(subject(&e), format!("hosts/{h}"));
        e.deployment_id = Some(d);
        assert_eq!(subject(&e), format!("deployments/{d}"));
    }

    #[test]
    fn the_cloud_event_has_every_required_attribute() {
        let e = event("deployment.succeeded");
        let ce = cloud_event(&e);
        for k in [
            "specversion",
            "type",
            "source",
            "id",
            "time",
            "subject",
            "datacontenttype",
            "data",
        ] {
            assert!(ce.get(k).is_some(), "{k} missing from {ce}");
        }
        assert_eq!(ce["specversion"], "1.0");
        assert_eq!(ce["type"], "deployment.succeeded");
        assert_eq!(ce["source"], "/liftoff/scheduler");
        assert_eq!(ce["id"], e.event_id.to_string());
    }

    #[test]
    fn filters_and_teams_narrow_what_a_subscription_wants() {
        let w = WebhookRow {
            id: "w".into(),
            team: "shop-team".into(),
            url: "http://x/".into(),
            events: "[]".into(),
            application: Some("shop".into()),
            deployment_group: None,
            secret: String::new(),
            previous_secret: None,
            previous_secret_expires_at: None,
            created_by: "t".into(),
            created_at: now(),
        };
        let pats = vec!["deployment.*".to_string()];
        let mut e = event("deployment.started");
        assert!(!wants(&w, &pats, &e), "no application: filtered out");
        e.application = Some("shop".into());
        assert!(wants(&w, &pats, &e));
        e.team = Some("other".into());
        assert!(!wants(&w, &pats, &e), "another team's event");
        e.team = Some("shop-team".into());
        e.event_type = "host.lost".into();
        assert!(!wants(&w, &pats, &e));
    }
}
