//! Scale-out installs between host-registry and deployment-api, both ways through the
//! services' outboxes: the registry asks for the installs a host needs when it enters
//! deployment groups (`scale_out.requested`, a [`ScaleOutRequest`]); deployment-api answers
//! with what it created (`scale_out.planned`, a [`ScaleOutPlan`]). Neither calls the other.

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
    /// The registry's evaluation key (`{host_id}:{epoch}`): the same key again answers the
    /// same deployments, and the answer is applied only while the host is at that epoch.
    pub key: String,
    /// Deployments the host joined that ended without it: it is not told to join them again
    /// (deployment-api may not have heard yet that they ended), it gets its own install.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ended: Vec<Uuid>,
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

/// The answer to a [`ScaleOutRequest`]. Groups the host entered with nothing to install (no
/// successful revision, nothing running) are not listed; an empty list means the host may go
/// into service at once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct ScaleOutPlan {
    pub host_id: Uuid,
    /// The request's key, echoed: a plan for an older evaluation of the host changes nothing.
    pub key: String,
    pub installs: Vec<ScaleOutInstall>,
    /// Why deployment-api could not plan for the request (it is invalid): the host fails with
    /// this reason instead of waiting for ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
}
