//! The scheduler's logic. `plan` is pure; the rest writes state before acting on it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use liftoff_kit::db::uuid;
use liftoff_kit::{AnyConnection, ApiError};

pub mod analysis;
pub mod background;
pub mod commands;
pub mod completions;
pub mod control;
pub mod engine;
pub mod feed;
pub mod gates;
pub mod inventory;
pub mod mailbox;
pub mod members;
pub mod metrics;
pub mod plan;
pub mod poll;
pub mod progress;
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

/// What a rollout is about; never changes once written, so it is safe to keep in memory.
#[derive(Debug, Clone)]
pub struct RolloutMeta {
    pub team: String,
    pub application: String,
    pub deployment_group: String,
    pub revision_id: String,
}

/// A bounded cache of `RolloutMeta`, so the agents' event reports (a dozen per host) do not
/// read the rollout row each time.
#[derive(Debug, Clone, Default)]
pub struct Meta(Arc<Mutex<HashMap<String, Arc<RolloutMeta>>>>);

impl Meta {
    pub fn get(
        &self,
        c: &mut AnyConnection,
        deployment_id: &str,
    ) -> Result<Arc<RolloutMeta>, ApiError> {
        if let Ok(m) = self.0.lock()
            && let Some(hit) = m.get(deployment_id)
        {
            return Ok(hit.clone());
        }
        let row = crate::store::rollouts::get(c, uuid(deployment_id)?)?
            .ok_or_else(|| ApiError::internal("command without rollout"))?;
        let meta = Arc::new(RolloutMeta {
            team: row.team,
            application: row.application,
            deployment_group: row.deployment_group,
            revision_id: row.revision_id,
        });
        if let Ok(mut m) = self.0.lock() {
            if m.len() >= 1024 {
                m.clear();
            }
            m.insert(deployment_id.to_string(), meta.clone());
        }
        Ok(meta)
    }
}
