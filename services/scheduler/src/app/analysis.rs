//! Health analysis: while a rollout with a `health_analysis` runs (and during the bake after
//! each batch, see `plan::decide`), the background tick of the replica holding its lease
//! evaluates the Prometheus query every `interval_secs`.
//!
//! Crash safety: a measurement is claimed (a `running` row, numbered under the rollout's
//! lock) before the query is sent, and concluded after. A replica that dies in between leaves
//! a `running` row; the next claim concludes it as inconclusive ("interrupted") first, so a
//! restart neither loses the count nor measures twice in one interval. Everything the analysis
//! knows is in the database, so a restarted control plane resumes it where it was.
//!
//! Semantics: the query is a condition; a non-empty instant vector is a failed measurement, an
//! empty one a passed one. Prometheus unreachable, an HTTP or query error, or a result that is
//! not an instant vector is inconclusive. `failure_limit` failed measurements stop the
//! rollout with `HEALTH_CHECK_FAILED`, `inconclusive_limit` inconclusive ones with
//! `HEALTH_CHECK_INCONCLUSIVE`; deployment-api then rolls back when the group says so.

use chrono::NaiveDateTime;
use liftoff_kit::db::{to_utc, uuid};
use liftoff_kit::{AnyConnection, ApiError, egress, outbox};
use liftoff_types::analysis::*;
use liftoff_types::events::EventType;
use liftoff_types::scheduler::{CommandStatus, HostTargetStatus, RolloutStatus};
use reqwest::redirect::Policy;
use uuid::Uuid;

use super::engine::{self, event_for, spec_of};
use crate::State;
use crate::store::analysis::{self, MeasurementRow};
use crate::store::rollouts::{self, Lease, RolloutRow};
use crate::store::{commands, db_now, targets};

/// Measurements a status shows.
const SHOWN: i64 = 10;
/// Most bytes of breaching series kept with a measurement.
const VALUE_BYTES: usize = 512;

/// A claimed measurement, to be sent.
struct Claim {
    seq: i64,
    analysis: HealthAnalysis,
}

/// Measures rollout `id` if its analysis is due; fenced on our lease.
pub async fn measure_if_due(state: &State, lease: &Lease) -> Result<(), ApiError> {
    let id = uuid(&lease.deployment_id)?;
    let (owner, lease) = (state.replica.clone(), lease.clone());
    let gate_now = state.config.clock.now();
    let claim = state
        .db
        .write(move |c| {
            rollouts::lock(c, id)?;
            if !rollouts::holds(c, &owner, &lease)? {
                return Ok(None);
            }
            claim(c, id, gate_now)
        })
        .await?;
    let Some(claim) = claim else {
        return Ok(());
    };
    let (outcome, value, message) = query(state, &claim.analysis).await;
    state
        .db
        .write(move |c| {
            rollouts::lock(c, id)?;
            record(
                c,
                id,
                claim.seq,
                outcome,
                value.as_deref(),
                message.as_deref(),
                gate_now,
            )
        })
        .await?;
    Ok(())
}

/// Claims the next measurement when one is due: the rollout is running with an analysis and
/// the last measurement is `interval_secs` old.
fn claim(
    c: &mut AnyConnection,
    id: Uuid,
    gate_now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<Claim>, ApiError> {
    let Some(row) = rollouts::get(c, id)? else {
        return Ok(None);
    };
    if row.status != RolloutStatus::InProgress {
        return Ok(None);
    }
    let Some(analysis) = spec_of(&row)?.health_analysis else {
        return Ok(None);
    };
    let now = db_now(c)?;
    let last = analysis::latest(c, &row.deployment_id, 1)?
        .into_iter()
        .next();
    if let Some(l) = &last {
        if l.outcome == MeasurementOutcome::Running.as_str() {
            // Sent by a replica that stopped before recording the answer.
            record(
                c,
                id,
                l.seq,
                MeasurementOutcome::Inconclusive,
                None,
                Some("interrupted: the control plane stopped before the answer was recorded"),
                gate_now,
            )?;
            if !still_running(c, id)? {
                return Ok(None);
            }
        }
        let due = l.measured_at + chrono::Duration::seconds(i64::from(analysis.interval_secs));
        if now < due {
            return Ok(None);
        }
    }
    let seq = last.map(|l| l.seq + 1).unwrap_or(1);
    analysis::insert(
        c,
        &MeasurementRow {
            deployment_id: row.deployment_id.clone(),
            seq,
            measured_at: now,
            outcome: MeasurementOutcome::Running.as_str().into(),
            value: None,
            message: None,
        },
    )?;
    Ok(Some(Claim { seq, analysis }))
}

fn still_running(c: &mut AnyConnection, id: Uuid) -> Result<bool, ApiError> {
    Ok(rollouts::get(c, id)?.is_some_and(|r| r.status == RolloutStatus::InProgress))
}

/// Records a measurement's outcome and its event; stops the rollout when a limit is reached.
fn record(
    c: &mut AnyConnection,
    id: Uuid,
    seq: i64,
    outcome: MeasurementOutcome,
    value: Option<&str>,
    message: Option<&str>,
    gate_now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ApiError> {
    let Some(row) = rollouts::get(c, id)? else {
        return Ok(());
    };
    if !analysis::conclude(c, &row.deployment_id, seq, outcome.as_str(), value, message)? {
        return Ok(());
    }
    let Some(a) = spec_of(&row)?.health_analysis else {
        return Ok(());
    };
    let failed = analysis::count(c, &row.deployment_id, MeasurementOutcome::Failed.as_str())?;
    let inconclusive = analysis::count(
        c,
        &row.deployment_id,
        MeasurementOutcome::Inconclusive.as_str(),
    )?;
    let mut ev = event_for(&row, EventType::DeploymentAnalysisMeasured)?;
    ev.data = serde_json::json!({
        "seq": seq, "outcome": outcome, "value": value, "message": message,
        "failed": failed, "inconclusive": inconclusive,
        "failure_limit": a.failure_limit, "inconclusive_limit": a.inconclusive_limit,
    });
    outbox::enqueue(c, &ev)?;
    metrics::counter!("liftoff_analysis_measurements_total", "outcome" => outcome.as_str())
        .increment(1);
    let breach = if failed >= a.failure_limit {
        Some((
            HEALTH_CHECK_FAILED,
            format!(
                "health analysis failed: {failed} of {} allowed failed measurements of {:?}",
                a.failure_limit, a.query
            ),
        ))
    } else if inconclusive >= a.inconclusive_limit {
        Some((
            HEALTH_CHECK_INCONCLUSIVE,
            format!(
                "health analysis inconclusive {inconclusive} times (limit {}); last: {}",
                a.inconclusive_limit,
                message.unwrap_or("no answer")
            ),
        ))
    } else {
        None
    };
    match breach {
        Some((code, text)) if row.status == RolloutStatus::InProgress => {
            halt(c, &row, code, &text)?;
        }
        _ => {
            engine::step(c, id, gate_now)?;
        }
    }
    Ok(())
}

/// Stops the rollout as failed: nothing new starts, commands not picked up are cancelled,
/// running hosts finish and are recorded (as a stop does).
fn halt(
    c: &mut AnyConnection,
    row: &RolloutRow,
    code: &str,
    message: &str,
) -> Result<(), ApiError> {
    let at = db_now(c)?;
    if !rollouts::set_status(
        c,
        &row.deployment_id,
        row.status,
        RolloutStatus::Failed,
        Some((code, message)),
        at,
    )? {
        return Ok(());
    }
    for cmd in commands::dispatched_of_rollout(c, &row.deployment_id)? {
        if commands::transition(
            c,
            &cmd.id,
            &[CommandStatus::Dispatched],
            CommandStatus::Cancelled,
            Some((code, message)),
            at,
        )? {
            targets::transition(
                c,
                &row.deployment_id,
                &cmd.host_id,
                &[HostTargetStatus::Dispatched],
                HostTargetStatus::Skipped,
                targets::Change {
                    error: Some((
                        "analysis-failed",
                        "deployment stopped by its health analysis before the host started",
                    )),
                    at: Some(at),
                    ..targets::Change::default()
                },
            )?;
        }
    }
    let skipped = targets::skip_pending(c, &row.deployment_id, at)?;
    let kind = if code == HEALTH_CHECK_FAILED {
        EventType::DeploymentAnalysisFailed
    } else {
        EventType::DeploymentAnalysisInconclusive
    };
    let mut ev = event_for(row, kind)?;
    ev.data = serde_json::json!({"error_code": code, "error_message": message});
    outbox::enqueue(c, &ev)?;
    let mut ev = event_for(row, EventType::DeploymentFailed)?;
    ev.data = serde_json::json!({
        "skipped": skipped, "error_code": code, "error_message": message,
    });
    outbox::enqueue(c, &ev)?;
    metrics::counter!("liftoff_rollouts_finished_total", "status" => RolloutStatus::Failed.as_str()).increment(1);
    tracing::warn!(deployment_id = %row.deployment_id, code, message, "health analysis stopped the rollout");
    super::progress::report(c, uuid(&row.deployment_id)?)
}

/// Sends the query; the outcome, the breaching series, or why it is inconclusive.
async fn query(
    state: &State,
    a: &HealthAnalysis,
) -> (MeasurementOutcome, Option<String>, Option<String>) {
    match send(state, a).await {
        Ok(Some(series)) => (MeasurementOutcome::Failed, Some(series), None),
        Ok(None) => (MeasurementOutcome::Passed, None, None),
        Err(why) => (MeasurementOutcome::Inconclusive, None, Some(why)),
    }
}

/// `Some(series)` on a breach (a non-empty vector), `None` when empty.
async fn send(state: &State, a: &HealthAnalysis) -> Result<Option<String>, String> {
    let base = reqwest::Url::parse(&a.prometheus_url).map_err(|e| format!("invalid URL: {e}"))?;
    let url = base
        .join("api/v1/query")
        .map_err(|e| format!("invalid URL: {e}"))?;
    let cfg = &state.config;
    // Checked at every measurement and the connection pinned to what was checked, as
    // webhooks do: a name that now resolves to a blocked address is refused.
    let pinned = egress::vet(
        &cfg.analysis_allow,
        &egress::SystemResolver,
        cfg.analysis_timeout,
        &url,
    )
    .await
    .map_err(|r| format!("refused: {r}"))?;
    let mut builder = liftoff_client::platform_roots(reqwest::Client::builder())
        .redirect(Policy::none())
        .no_proxy()
        .connect_timeout(cfg.analysis_timeout)
        .timeout(cfg.analysis_timeout)
        .user_agent(concat!("liftoff-analysis/", env!("CARGO_PKG_VERSION")));
    if let Some((name, addrs)) = &pinned {
        builder = builder.resolve_to_addrs(name, addrs);
    }
    let client = builder.build().map_err(|e| format!("http client: {e}"))?;
    let res = client
        .get(url)
        .query(&[("query", a.query.as_str())])
        .send()
        .await
        .map_err(|e| format!("Prometheus unreachable: {}", egress::chain(&e)))?;
    let status = res.status();
    let body: serde_json::Value = res
        .json()
        .await
        .map_err(|e| format!("Prometheus answered {status} without JSON: {e}"))?;
    interpret(status.as_u16(), &body)
}

/// Reads Prometheus' `/api/v1/query` answer.
fn interpret(status: u16, body: &serde_json::Value) -> Result<Option<String>, String> {
    if body["status"] != "success" {
        return Err(format!(
            "query failed ({status}): {} {}",
            body["errorType"].as_str().unwrap_or(""),
            body["error"].as_str().unwrap_or("")
        )
        .trim()
        .to_string());
    }
    if body["data"]["resultType"] != "vector" {
        return Err(format!(
            "the query returned a {}, not an instant vector",
            body["data"]["resultType"].as_str().unwrap_or("nothing")
        ));
    }
    let result = body["data"]["result"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if result.is_empty() {
        return Ok(None);
    }
    let mut shown = String::new();
    for s in &result {
        let item = format!("{}={}", s["metric"], s["value"][1].as_str().unwrap_or("?"));
        if shown.len() + item.len() > VALUE_BYTES {
            shown.push_str(&format!(" (+{} more)", result.len()));
            break;
        }
        if !shown.is_empty() {
            shown.push(' ');
        }
        shown.push_str(&item);
    }
    Ok(Some(shown))
}

/// The analysis as the rollout's status shows it.
pub fn status_of(
    c: &mut AnyConnection,
    row: &RolloutRow,
) -> Result<Option<AnalysisStatus>, ApiError> {
    let Some(a) = spec_of(row)?.health_analysis else {
        return Ok(None);
    };
    let count = |c: &mut AnyConnection, o: MeasurementOutcome| {
        analysis::count(c, &row.deployment_id, o.as_str())
    };
    let (passed, failed, inconclusive) = (
        count(c, MeasurementOutcome::Passed)?,
        count(c, MeasurementOutcome::Failed)?,
        count(c, MeasurementOutcome::Inconclusive)?,
    );
    let measurements = analysis::latest(c, &row.deployment_id, SHOWN)?
        .into_iter()
        .map(|m| Measurement {
            seq: m.seq,
            measured_at: to_utc(m.measured_at),
            outcome: MeasurementOutcome::parse(&m.outcome)
                .unwrap_or(MeasurementOutcome::Inconclusive),
            value: m.value,
            message: m.message,
        })
        .collect();
    let state = match (row.status, row.error_code.as_deref()) {
        (_, Some(HEALTH_CHECK_FAILED)) => AnalysisState::Failed,
        (_, Some(HEALTH_CHECK_INCONCLUSIVE)) => AnalysisState::Inconclusive,
        (RolloutStatus::Succeeded, _) => AnalysisState::Passed,
        (RolloutStatus::Failed | RolloutStatus::Stopped, _) => AnalysisState::Ended,
        _ if baking(c, row)? => AnalysisState::Baking,
        _ => AnalysisState::Running,
    };
    Ok(Some(AnalysisStatus {
        state,
        query: a.query,
        passed,
        failed,
        inconclusive,
        failure_limit: a.failure_limit,
        inconclusive_limit: a.inconclusive_limit,
        measurements,
    }))
}

/// A batch finished and its bake has not ended.
fn baking(c: &mut AnyConnection, row: &RolloutRow) -> Result<bool, ApiError> {
    let Some(until): Option<NaiveDateTime> = row.gate_until else {
        return Ok(false);
    };
    Ok(until > db_now(c)?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::interpret;
    use serde_json::json;

    #[test]
    fn an_empty_vector_passes_and_a_series_fails() {
        let empty = json!({"status": "success", "data": {"resultType": "vector", "result": []}});
        assert_eq!(interpret(200, &empty), Ok(None));
        let one = json!({"status": "success", "data": {"resultType": "vector", "result": [
            {"metric": {"job": "app"}, "value": [1.0, "0.5"]}]}});
        assert_eq!(
            interpret(200, &one),
            Ok(Some(r#"{"job":"app"}=0.5"#.into()))
        );
    }

    #[test]
    fn errors_and_non_vectors_are_inconclusive() {
        let err = json!({"status": "error", "errorType": "bad_data", "error": "parse error"});
        assert!(interpret(400, &err).unwrap_err().contains("parse error"));
        let scalar =
            json!({"status": "success", "data": {"resultType": "scalar", "result": [1.0, "1"]}});
        assert!(interpret(200, &scalar).unwrap_err().contains("scalar"));
    }
}
