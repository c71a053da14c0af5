//! deployment-api's scale-out intake: the host registry asks for the installs a host needs
//! when it enters deployment groups (service credential only).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::registry::InstallMode;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ScaleOutRequest {
    pub team: String,
    pub host_id: Uuid,
    /// The host's tags now.
    pub tags: BTreeMap<String, String>,
    /// The host's tags before the change: groups these already selected are left alone.
    /// Absent (a new host): every group the host's tags select.
    #[serde(default)]
    pub previous_tags: Option<BTreeMap<String, String>>,
    /// The registry's evaluation key: the same key again answers the same deployments.
    pub key: String,
}

/// One group the host entered that has something to install.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct ScaleOutInstall {
    pub application: String,
    pub deployment_group: String,
    pub deployment_group_id: Uuid,
    /// `install`: a new single-host `scale_out` deployment; `join`: the deployment running in
    /// the group, which the host takes part in.
    pub mode: InstallMode,
    pub deployment_id: Uuid,
    pub revision_id: Uuid,
}

/// Groups the host entered with nothing to install (no successful revision, nothing running)
/// are not listed; an empty list means the host may go into service at once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct ScaleOutPlan {
    pub installs: Vec<ScaleOutInstall>,
}
