//! `liftoff history deployment`: a deployment's timeline, and for each host × lifecycle event
//! its status and the whole hook output the agent uploaded (or the scheduler's tail).

use std::collections::BTreeMap;

use liftoff_client::{EventQuery, HistoryClient};
use liftoff_types::history::*;
use serde::Serialize;
use uuid::Uuid;

use super::{event_line, gather};

/// One lifecycle event of one host in a deployment, with its whole output if uploaded.
#[derive(Debug, Serialize)]
struct HostEventRecord {
    command_id: Option<Uuid>,
    event: String,
    status: Option<String>,
    exit_code: Option<i64>,
    error_code: Option<String>,
    message: Option<String>,
    duration_ms: Option<i64>,
    /// The last 64 KiB, as the scheduler recorded it.
    output_tail: Option<String>,
    /// The whole output (up to the cap), as the agent uploaded it.
    log: Option<HookLog>,
}

#[derive(Debug, Serialize)]
struct HostRecord {
    host_id: Uuid,
    outcome: Option<String>,
    events: Vec<HostEventRecord>,
}

#[derive(Debug, Serialize)]
pub struct DeploymentTimeline {
    deployment_id: Uuid,
    /// In log order.
    events: Vec<RecordedEvent>,
    hosts: Vec<HostRecord>,
}

pub async fn deployment_timeline(
    hist: &HistoryClient,
    id: Uuid,
    host: Option<Uuid>,
    event: Option<&str>,
) -> anyhow::Result<DeploymentTimeline> {
    let (events, _) = gather(None, None, |page| async move {
        let p = hist
            .events(&EventQuery {
                deployment_id: Some(id),
                host_id: host,
                limit: page.limit,
                cursor: page.cursor,
                ..Default::default()
            })
            .await?;
        Ok((p.events, p.next_cursor))
    })
    .await?;
    let (logs, _) = gather(None, None, |page| async move {
        let p = hist.deployment_logs(id, host, event, &page).await?;
        Ok((p.logs, p.next_cursor))
    })
    .await?;
    let mut hosts: BTreeMap<Uuid, HostRecord> = BTreeMap::new();
    let mut order: Vec<Uuid> = Vec::new();
    let str_of =
        |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_str()).map(String::from);
    for e in &events {
        let Some(h) = e.event.host_id else { continue };
        let rec = hosts.entry(h).or_insert_with(|| {
            order.push(h);
            HostRecord {
                host_id: h,
                outcome: None,
                events: Vec::new(),
            }
        });
        let d = &e.event.data;
        match e.event.event_type.as_str() {
            "host.event_finished" => {
                let name = str_of(d, "event").unwrap_or_default();
                if event.is_some_and(|want| want != name) {
                    continue;
                }
                let command_id = str_of(d, "command_id").and_then(|c| c.parse().ok());
                rec.events.push(HostEventRecord {
                    command_id,
                    log: logs
                        .iter()
                        .find(|l| {
                            l.host_id == h && l.event == name && Some(l.command_id) == command_id
                        })
                        .cloned(),
                    event: name,
                    status: str_of(d, "status"),
                    exit_code: d.get("exit_code").and_then(|v| v.as_i64()),
                    error_code: str_of(d, "error_code"),
                    message: str_of(d, "message"),
                    duration_ms: d.get("duration_ms").and_then(|v| v.as_i64()),
                    output_tail: str_of(d, "output_tail"),
                });
            }
            "host.deployment_succeeded" => rec.outcome = Some("Succeeded".into()),
            "host.deployment_failed" => rec.outcome = Some("Failed".into()),
            _ => {}
        }
    }
    Ok(DeploymentTimeline {
        deployment_id: id,
        events,
        hosts: order.into_iter().filter_map(|h| hosts.remove(&h)).collect(),
    })
}

pub fn deployment_text(t: &DeploymentTimeline) -> String {
    let mut out = format!("deployment {}", t.deployment_id);
    for e in &t.events {
        out.push('\n');
        out.push_str(&event_line(e));
    }
    for h in &t.hosts {
        out.push_str(&format!(
            "\n\n== host {} ({})",
            h.host_id,
            h.outcome.as_deref().unwrap_or("in progress")
        ));
        for e in &h.events {
            out.push_str(&format!(
                "\n-- {} {}{}{}",
                e.event,
                e.status.as_deref().unwrap_or("?"),
                e.exit_code
                    .map(|c| format!(" exit {c}"))
                    .unwrap_or_default(),
                e.message
                    .as_ref()
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default()
            ));
            match (&e.log, &e.output_tail) {
                (Some(log), _) => {
                    if log.truncated {
                        out.push_str(&format!(
                            "\n[output cut: {} of {} bytes kept]",
                            log.bytes, log.original_bytes
                        ));
                    }
                    if !log.output.is_empty() {
                        out.push('\n');
                        out.push_str(log.output.trim_end());
                    }
                }
                (None, Some(tail)) if !tail.is_empty() => {
                    out.push_str("\n[full output not uploaded; last 64 KiB]\n");
                    out.push_str(tail.trim_end());
                }
                _ => {}
            }
        }
    }
    out
}
