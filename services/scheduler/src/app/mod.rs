//! The scheduler's logic. `plan` is pure; `rollouts` and `commands` write state before acting.

pub mod commands;
pub mod inventory;
pub mod plan;
pub mod rollouts;

/// The reason slug recorded for a failed host, from the agent's error code.
pub fn failure_reason(agent_code: Option<&str>) -> String {
    match agent_code {
        Some("SCRIPT_FAILED") => "script-failed".into(),
        Some("SCRIPT_TIMED_OUT") => "timed-out".into(),
        Some(code) => code.to_ascii_lowercase().replace('_', "-"),
        None => "failed".into(),
    }
}
