//! The event shapes the intake understands: the generic one (`AutoscalingEvent`) and the
//! EventBridge events of EC2 Auto Scaling lifecycle hooks ("EC2 Instance-launch Lifecycle
//! Action", "EC2 Instance-terminate Lifecycle Action"), as delivered unchanged.

use liftoff_kit::ApiError;
use liftoff_types::autoscaling::{AutoscalingEvent, LifecycleResult, ScaleDirection};
use liftoff_types::names::validate_text;
use serde_json::Value;

/// One event, whatever shape it came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedEvent {
    pub id: String,
    pub direction: ScaleDirection,
    pub instance_id: String,
    pub group: Option<String>,
    pub hook_name: Option<String>,
    pub action_token: Option<String>,
    pub heartbeat_timeout_secs: Option<u64>,
    pub default_result: Option<LifecycleResult>,
}

const LAUNCH: &str = "EC2 Instance-launch Lifecycle Action";
const TERMINATE: &str = "EC2 Instance-terminate Lifecycle Action";

fn text(v: &Value, key: &str) -> Result<Option<String>, ApiError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::invalid_field(format!("{key}: must be a string"))),
    }
}

fn eventbridge(v: &Value, detail_type: &str) -> Result<ParsedEvent, ApiError> {
    let direction = match detail_type {
        LAUNCH => ScaleDirection::ScaleOut,
        TERMINATE => ScaleDirection::ScaleIn,
        other => {
            return Err(ApiError::unprocessable(
                "unsupported_event",
                format!("detail-type {other:?} is not a lifecycle action this intake handles"),
            ));
        }
    };
    let detail = v
        .get("detail")
        .filter(|d| d.is_object())
        .ok_or_else(|| ApiError::invalid_field("detail: missing"))?;
    Ok(ParsedEvent {
        id: text(v, "id")?.ok_or_else(|| ApiError::invalid_field("id: missing"))?,
        direction,
        instance_id: text(detail, "EC2InstanceId")?
            .ok_or_else(|| ApiError::invalid_field("detail.EC2InstanceId: missing"))?,
        group: text(detail, "AutoScalingGroupName")?,
        hook_name: text(detail, "LifecycleHookName")?,
        action_token: text(detail, "LifecycleActionToken")?,
        heartbeat_timeout_secs: None,
        default_result: None,
    })
}

/// Parses and validates an event body.
pub fn parse(body: &[u8]) -> Result<ParsedEvent, ApiError> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request("invalid_json", e.to_string()))?;
    if !v.is_object() {
        return Err(ApiError::bad_request(
            "invalid_request",
            "the event must be a JSON object",
        ));
    }
    let ev = match text(&v, "detail-type")? {
        Some(dt) => eventbridge(&v, &dt)?,
        None => {
            let g: AutoscalingEvent = serde_json::from_value(v)
                .map_err(|e| ApiError::bad_request("invalid_request", e.to_string()))?;
            ParsedEvent {
                id: g.id,
                direction: g.direction,
                instance_id: g.instance_id,
                group: g.group,
                hook_name: g.lifecycle_hook_name,
                action_token: g.lifecycle_action_token,
                heartbeat_timeout_secs: g.heartbeat_timeout_secs,
                default_result: g.default_result,
            }
        }
    };
    validate(&ev)?;
    Ok(ev)
}

fn validate(ev: &ParsedEvent) -> Result<(), ApiError> {
    let token_like = |field: &str, s: &str, max: usize| -> Result<(), ApiError> {
        if s.is_empty()
            || s.len() > max
            || !s
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
        {
            return Err(ApiError::invalid_field(format!(
                "{field}: 1 to {max} characters of letters, digits, '-', '_', '.', ':'"
            )));
        }
        Ok(())
    };
    token_like("id", &ev.id, 200)?;
    token_like("instance_id", &ev.instance_id, 128)?;
    for (field, v) in [
        ("group", &ev.group),
        ("lifecycle_hook_name", &ev.hook_name),
        ("lifecycle_action_token", &ev.action_token),
    ] {
        if let Some(v) = v {
            validate_text(field, v, 255).map_err(ApiError::invalid_field)?;
        }
    }
    if let Some(t) = ev.heartbeat_timeout_secs
        && !(30..=7200).contains(&t)
    {
        return Err(ApiError::invalid_field(
            "heartbeat_timeout_secs: 30 to 7200 (EC2 Auto Scaling's range)",
        ));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn eventbridge_launch_and_terminate_are_understood() {
        let launch = br#"{"version":"0","id":"12345678-1234-1234-1234-123456789012","detail-type":"EC2 Instance-launch Lifecycle Action","source":"aws.autoscaling","account":"123456789012","time":"2026-11-26T10:00:00Z","region":"us-west-2","resources":["arn:aws:autoscaling:us-west-2:123456789012:autoScalingGroup:x"],"detail":{"LifecycleActionToken":"87654321-4321-4321-4321-210987654321","AutoScalingGroupName":"web-asg","LifecycleHookName":"liftoff-launch","EC2InstanceId":"i-1234567890abcdef0","LifecycleTransition":"autoscaling:EC2_INSTANCE_LAUNCHING","NotificationMetadata":"x","Origin":"EC2","Destination":"AutoScalingGroup"}}"#;
        let ev = parse(launch).unwrap();
        assert_eq!(ev.direction, ScaleDirection::ScaleOut);
        assert_eq!(ev.instance_id, "i-1234567890abcdef0");
        assert_eq!(ev.group.as_deref(), Some("web-asg"));
        let terminate = String::from_utf8(launch.to_vec())
            .unwrap()
            .replace("Instance-launch", "Instance-terminate");
        assert_eq!(
            parse(terminate.as_bytes()).unwrap().direction,
            ScaleDirection::ScaleIn
        );
        let other = String::from_utf8(launch.to_vec()).unwrap().replace(
            "EC2 Instance-launch Lifecycle Action",
            "EC2 Instance Launch Successful",
        );
        assert_eq!(parse(other.as_bytes()).unwrap_err().status.as_u16(), 422);
    }

    #[test]
    fn generic_shape_is_strict() {
        let ok = br#"{"id":"e-1","type":"scale_in","instance_id":"i-1"}"#;
        assert_eq!(parse(ok).unwrap().direction, ScaleDirection::ScaleIn);
        for bad in [
            &br#"{"id":"e-1","type":"scale_in","instance_id":"i-1","team":"x"}"#[..],
            br#"{"id":"e-1","type":"sideways","instance_id":"i-1"}"#,
            br#"{"id":"","type":"scale_in","instance_id":"i-1"}"#,
            br#"{"id":"e 1","type":"scale_in","instance_id":"i-1"}"#,
            br#"{"id":"e-1","type":"scale_out","instance_id":"i-1","heartbeat_timeout_secs":5}"#,
            br#"[1]"#,
            br#"{"id":"e-1""#,
        ] {
            assert_eq!(
                parse(bad).unwrap_err().status.as_u16(),
                400,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
