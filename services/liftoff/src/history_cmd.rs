//! `liftoff history ...` and `liftoff audit`: the questions operators ask of history.

use std::process::ExitCode;

use chrono::{DateTime, Utc};
use liftoff_client::{AuditQuery, EventQuery, HistoryClient, Page};
use liftoff_types::history::*;
use serde::Serialize;
use uuid::Uuid;

mod deployment;

use crate::cli::{AuditArgs, Global, HistoryCmd};
use crate::client::{http, print};

/// Page size used when a command gathers a whole list.
const PAGE: u32 = 1000;

pub fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("{s:?} is not an RFC 3339 time like 2026-11-19T14:00:00Z ({e})"))
}

fn short(id: Uuid) -> String {
    id.to_string()[..8].to_string()
}

fn time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Gathers pages until `limit` items (all, when `None`) or the end; returns the items and the
/// cursor of what remains.
async fn gather<T, F, Fut>(
    limit: Option<u32>,
    mut cursor: Option<String>,
    mut fetch: F,
) -> anyhow::Result<(Vec<T>, Option<String>)>
where
    F: FnMut(Page) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<(Vec<T>, Option<String>)>>,
{
    let mut out = Vec::new();
    loop {
        let want = limit.map(|l| l.saturating_sub(out.len() as u32).min(PAGE));
        if want == Some(0) {
            return Ok((out, cursor));
        }
        let (items, next) = fetch(Page {
            limit: Some(want.unwrap_or(PAGE)),
            cursor: cursor.clone(),
        })
        .await?;
        out.extend(items);
        cursor = next;
        if cursor.is_none() {
            return Ok((out, None));
        }
    }
}

pub async fn run(g: &Global, cmd: HistoryCmd) -> anyhow::Result<ExitCode> {
    let hist = HistoryClient::new(http(g)?);
    match cmd {
        HistoryCmd::Hosts {
            app,
            revision,
            host,
            limit,
            cursor,
        } => {
            let (hosts, next_cursor) = gather(limit, cursor, |page| {
                let (hist, app) = (hist.clone(), app.clone());
                async move {
                    let l = match revision {
                        Some(r) => hist.revision_hosts(r, app.as_deref(), &page).await?,
                        None => {
                            hist.host_revisions_page(app.as_deref(), None, host, &page)
                                .await?
                        }
                    };
                    Ok((l.hosts, l.next_cursor))
                }
            })
            .await?;
            let hosts: Vec<_> = hosts
                .into_iter()
                .filter(|h| host.is_none_or(|x| h.host_id == x))
                .collect();
            print(g, &HostRevisionList { hosts, next_cursor }, |l| {
                if l.hosts.is_empty() {
                    return "no host runs it".into();
                }
                l.hosts
                    .iter()
                    .map(|h| {
                        format!(
                            "{}  {}  {}  since {}",
                            h.host_id,
                            h.application,
                            h.revision_id,
                            time(&h.since)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
        }
        HistoryCmd::Group {
            app,
            group,
            at,
            limit,
            cursor,
        } => {
            let first = hist
                .group_at(
                    &app,
                    &group,
                    &at,
                    &Page {
                        limit: Some(limit.unwrap_or(PAGE).min(PAGE)),
                        cursor: cursor.clone(),
                    },
                )
                .await?;
            let start = first.next_cursor.clone();
            let mut res = first.clone();
            let remaining = limit.map(|l| l.saturating_sub(first.hosts.len() as u32));
            if start.is_some() && remaining != Some(0) {
                let (more, next) = gather(remaining, start, |page| {
                    let (hist, app, group) = (hist.clone(), app.clone(), group.clone());
                    async move {
                        let p = hist.group_at(&app, &group, &at, &page).await?;
                        Ok((p.hosts, p.next_cursor))
                    }
                })
                .await?;
                res.hosts.extend(more);
                res.next_cursor = next;
            }
            print(g, &res, group_text)?;
        }
        HistoryCmd::Host { id, limit, cursor } => {
            let current = hist
                .host_revisions_page(None, None, Some(id), &Page::default())
                .await?
                .hosts;
            let (events, next_cursor) = gather(Some(limit), cursor, |page| {
                let hist = hist.clone();
                async move {
                    let p = hist
                        .events(&EventQuery {
                            host_id: Some(id),
                            newest_first: true,
                            limit: page.limit,
                            cursor: page.cursor,
                            ..Default::default()
                        })
                        .await?;
                    Ok((p.events, p.next_cursor))
                }
            })
            .await?;
            let out = HostTimeline {
                host_id: id,
                current,
                events,
                next_cursor,
            };
            print(g, &out, host_text)?;
        }
        HistoryCmd::Deployment { id, host, event } => {
            let out = deployment::deployment_timeline(&hist, id, host, event.as_deref()).await?;
            print(g, &out, deployment::deployment_text)?;
        }
        HistoryCmd::Pin { revision, note } => {
            let p = hist.pin(revision, note.as_deref()).await?;
            print(g, &p, |p| {
                format!(
                    "pinned revision {}: its record is kept forever",
                    p.revision_id
                )
            })?;
        }
        HistoryCmd::Unpin { revision } => {
            let p = hist.unpin(revision).await?;
            print(g, &p, |p| {
                format!(
                    "unpinned revision {}: it ages out with retention",
                    p.revision_id
                )
            })?;
        }
        HistoryCmd::Pins => {
            let l = hist.pins().await?;
            print(g, &l, |l| {
                l.pins
                    .iter()
                    .map(|p| {
                        format!(
                            "{}  pinned {} by {}  {}",
                            p.revision_id,
                            time(&p.pinned_at),
                            p.pinned_by,
                            p.note.clone().unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn group_text(r: &GroupAtTime) -> String {
    let mut out = format!(
        "group {} of {} at {}: target revision {}",
        r.deployment_group,
        r.application,
        time(&r.at),
        r.target_deployment
            .as_ref()
            .map(|d| format!(
                "{} (deployment {}, {})",
                d.revision_id, d.deployment_id, d.status
            ))
            .unwrap_or_else(|| "none".into())
    );
    if let Some(s) = r.last_successful_revision_id {
        out.push_str(&format!("; last successful {s}"));
    }
    for h in &r.hosts {
        out.push_str(&format!(
            "\n{}  {}  since {}{}",
            h.host_id,
            h.revision_id,
            time(&h.since),
            h.until
                .map(|u| format!(" until {}", time(&u)))
                .unwrap_or_default()
        ));
    }
    if r.hosts.is_empty() {
        out.push_str("\nno host of the group ran a revision then");
    }
    out
}

#[derive(Debug, Serialize)]
struct HostTimeline {
    host_id: Uuid,
    /// What the host runs now, per application.
    current: Vec<HostRevision>,
    /// Newest first.
    events: Vec<RecordedEvent>,
    next_cursor: Option<String>,
}

fn event_line(e: &RecordedEvent) -> String {
    let d = &e.event.data;
    let detail = match e.event.event_type.as_str() {
        "host.event_started" | "host.event_finished" => format!(
            "{} {}{}",
            d.get("event").and_then(|v| v.as_str()).unwrap_or("?"),
            d.get("status").and_then(|v| v.as_str()).unwrap_or(""),
            d.get("exit_code")
                .and_then(|v| v.as_i64())
                .map(|c| format!(" exit {c}"))
                .unwrap_or_default()
        ),
        "host.state_changed" => format!(
            "{} -> {}",
            d.get("from").and_then(|v| v.as_str()).unwrap_or("?"),
            d.get("to").and_then(|v| v.as_str()).unwrap_or("?")
        ),
        _ => String::new(),
    };
    format!(
        "{}  {:26} {}{}{}",
        time(&e.event.occurred_at),
        e.event.event_type,
        e.event
            .deployment_id
            .map(|d| format!("deployment {} ", short(d)))
            .unwrap_or_default(),
        e.event
            .actor
            .as_ref()
            .map(|a| format!("by {a} "))
            .unwrap_or_default(),
        detail
    )
}

fn host_text(t: &HostTimeline) -> String {
    let mut out = format!("host {}", t.host_id);
    for c in &t.current {
        out.push_str(&format!(
            "\n  runs {} revision {} since {}",
            c.application,
            c.revision_id,
            time(&c.since)
        ));
    }
    for e in &t.events {
        out.push('\n');
        out.push_str(&event_line(e));
    }
    if t.next_cursor.is_some() {
        out.push_str("\n(older events: --cursor ");
        out.push_str(t.next_cursor.as_deref().unwrap_or_default());
        out.push(')');
    }
    out
}

pub async fn audit(g: &Global, a: AuditArgs) -> anyhow::Result<ExitCode> {
    let hist = HistoryClient::new(http(g)?);
    let q = AuditQuery {
        actor: a.actor,
        action: a.action,
        application: a.app,
        deployment_group: a.group,
        deployment_id: a.deployment,
        revision_id: a.revision,
        host_id: a.host,
        since: a.since,
        until: a.until,
        oldest_first: a.oldest_first,
        limit: None,
        cursor: None,
    };
    let (entries, next_cursor) = gather(Some(a.limit), a.cursor, |page| {
        let (hist, mut q) = (hist.clone(), q.clone());
        async move {
            q.limit = page.limit;
            q.cursor = page.cursor;
            let p = hist.audit(&q).await?;
            Ok((p.entries, p.next_cursor))
        }
    })
    .await?;
    print(
        g,
        &AuditPage {
            entries,
            next_cursor,
        },
        |p| {
            let mut lines: Vec<String> = p
                .entries
                .iter()
                .map(|e| {
                    format!(
                        "{}  {:12} {:10} {:26} {} {}",
                        time(&e.occurred_at),
                        e.actor,
                        e.team.clone().unwrap_or_default(),
                        e.action,
                        e.object_type,
                        e.object_id.clone().unwrap_or_default()
                    )
                })
                .collect();
            if let Some(c) = &p.next_cursor {
                lines.push(format!("(more: --cursor {c})"));
            }
            lines.join("\n")
        },
    )?;
    Ok(ExitCode::SUCCESS)
}
