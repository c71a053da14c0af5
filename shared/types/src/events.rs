//! Every event type the services emit, as one enum: the ones in history's log (which webhooks
//! may subscribe to) and the ones only peers receive through the outbox. The serialized names
//! are the dotted strings the log, webhooks and peers have always carried.
//!
//! [`HistoryEvent::event_type`](crate::history::HistoryEvent) stays a string on the wire, so a
//! log written by a newer version (with types this one does not know) still reads; producers
//! name types with [`EventType`], consumers match [`EventType::parse`].

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! event_types {
    (
        public { $($(#[$pm:meta])* $pv:ident => $pn:literal,)* }
        internal { $($(#[$im:meta])* $iv:ident => $in:literal,)* }
    ) => {
        /// An event type (see the module docs).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum EventType {
            $($(#[$pm])* $pv,)*
            $($(#[$im])* $iv,)*
        }

        impl EventType {
            /// Every type in history's log, by name: what a webhook subscription may name.
            pub const PUBLIC: &[EventType] = &[$(Self::$pv,)*];
            /// Types only peers receive, never in the log.
            pub const INTERNAL: &[EventType] = &[$(Self::$iv,)*];

            pub const fn as_str(&self) -> &'static str {
                match self {
                    $(Self::$pv => $pn,)*
                    $(Self::$iv => $in,)*
                }
            }

            pub fn parse(s: &str) -> Option<Self> {
                Some(match s {
                    $($pn => Self::$pv,)*
                    $($in => Self::$iv,)*
                    _ => return None,
                })
            }
        }

        /// [`EventType::PUBLIC`] by name (also as a family: `deployment.*`), besides `*`.
        pub const EVENT_TYPES: &[&str] = &[$($pn,)*];
    };
}

event_types! {
    public {
        ApplicationCreated => "application.created",
        ApplicationDeleted => "application.deleted",
        ApplicationStageApprovalRemoved => "application.stage_approval_removed",
        ApplicationStageApprovalRequired => "application.stage_approval_required",
        ApplicationUpdated => "application.updated",
        ApplicationWindowsChanged => "application.windows_changed",
        AutoscalingLifecycleActionCompleted => "autoscaling.lifecycle_action_completed",
        AutoscalingLifecycleActionStarted => "autoscaling.lifecycle_action_started",
        DeploymentAnalysisBaking => "deployment.analysis.baking",
        DeploymentAnalysisFailed => "deployment.analysis.failed",
        DeploymentAnalysisInconclusive => "deployment.analysis.inconclusive",
        DeploymentAnalysisMeasured => "deployment.analysis.measured",
        DeploymentApproved => "deployment.approved",
        DeploymentAwaitingApproval => "deployment.awaiting_approval",
        DeploymentCreated => "deployment.created",
        DeploymentFailed => "deployment.failed",
        DeploymentHostExcluded => "deployment.host_excluded",
        DeploymentHostsChanged => "deployment.hosts_changed",
        DeploymentHostsRetried => "deployment.hosts_retried",
        DeploymentPaused => "deployment.paused",
        DeploymentResumed => "deployment.resumed",
        DeploymentRolledBack => "deployment.rolled_back",
        DeploymentStarted => "deployment.started",
        DeploymentStopped => "deployment.stopped",
        DeploymentSucceeded => "deployment.succeeded",
        DeploymentZoneBaking => "deployment.zone_baking",
        DeploymentZoneStarted => "deployment.zone_started",
        DeploymentConfigCreated => "deployment_config.created",
        DeploymentConfigDeleted => "deployment_config.deleted",
        DeploymentGroupCreated => "deployment_group.created",
        DeploymentGroupUpdated => "deployment_group.updated",
        DeploymentGroupWindowsChanged => "deployment_group.windows_changed",
        EnrollmentTokenCreated => "enrollment_token.created",
        EnrollmentTokenRevoked => "enrollment_token.revoked",
        FreezeCreated => "freeze.created",
        FreezeLifted => "freeze.lifted",
        FreezeOverridden => "freeze.overridden",
        GateBlocked => "gate.blocked",
        GateOpened => "gate.opened",
        HostDeploymentFailed => "host.deployment_failed",
        HostDeploymentStarted => "host.deployment_started",
        HostDeploymentSucceeded => "host.deployment_succeeded",
        HostDeregistered => "host.deregistered",
        HostEnrolled => "host.enrolled",
        HostEventFinished => "host.event_finished",
        HostEventStarted => "host.event_started",
        HostLost => "host.lost",
        HostScaleInStarted => "host.scale_in_started",
        HostStateChanged => "host.state_changed",
        HostTagsChanged => "host.tags_changed",
        PromotionApproved => "promotion.approved",
        PromotionExpired => "promotion.expired",
        PromotionRejected => "promotion.rejected",
        PromotionRequested => "promotion.requested",
        RevisionPinned => "revision.pinned",
        RevisionRegistered => "revision.registered",
        RevisionUnpinned => "revision.unpinned",
        TeamCreated => "team.created",
        TeamDisabled => "team.disabled",
        TeamEnabled => "team.enabled",
        TokenCreated => "token.created",
        TokenRevoked => "token.revoked",
        WebhookCreated => "webhook.created",
        WebhookDeleted => "webhook.deleted",
        WebhookSecretRotated => "webhook.secret_rotated",
        WebhookTest => "webhook.test",
    }
    internal {
        /// A host's installed revision, scheduler → host-registry (delivered as a batch of
        /// `HostRevisionReport`s to `POST /v1/hosts/revisions`; history learns the same from
        /// `host.deployment_succeeded`).
        InventoryHostRevision => "inventory.host_revision",
        /// How a host's part of a rollout (or the rollout) ended, scheduler → host-registry
        /// (an `InstallOutcome`, delivered as a batch to `POST /v1/hosts/install-outcomes`).
        InstallOutcome => "install.outcome",
        /// A host lost or back (a `HostLiveness`), host-registry → scheduler, as registries
        /// before the membership push sent it; `POST /v1/host-changes` still applies those
        /// queued before an upgrade.
        HostLiveness => "host.liveness",
        /// A host as it stands after a change (a `HostMembership`: enrolled, tags or state
        /// changed, deregistered), host-registry → scheduler (`POST /v1/host-changes`), in the
        /// transaction of the change.
        HostMembership => "host.membership",
        /// A credential put on the revocation feed (a `RevokeCredential`), host-registry →
        /// deployment-api (`POST /v1/tokens/revocation-events`), in the transaction that
        /// deregisters the host.
        CredentialRevocation => "credential.revocation",
        /// A freeze created or lifted (a `FreezeState`), deployment-api → scheduler.
        GateFreeze => "gate.freeze",
        /// A group's effective deployment windows changed (a `GroupWindows`), deployment-api →
        /// scheduler.
        GateWindows => "gate.windows",
        /// Freezes overridden for one running deployment (a `FreezesOverridden`),
        /// deployment-api → scheduler.
        GateOverride => "gate.override",
        /// A deployment group's host selector (or its removal), deployment-api → scheduler.
        GroupSelector => "group.selector",
        /// A rollout's progress and outcome, scheduler → deployment-api.
        RolloutProgress => "rollout.progress",
        /// A host entered deployment groups and needs their revisions (a `ScaleOutRequest`),
        /// host-registry → deployment-api (`POST /v1/scale-out-requests`), in the transaction
        /// that makes the host `Pending` (or that learns its joined deployment ended without it).
        ScaleOutRequested => "scale_out.requested",
        /// deployment-api's answer to a `scale_out.requested` (a `ScaleOutPlan`: the installs
        /// it created or the running deployments the host joins), deployment-api →
        /// host-registry (`POST /v1/hosts/scale-out-plans`), in the transaction that creates
        /// the installs' deployments.
        ScaleOutPlanned => "scale_out.planned",
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EventType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown event type {s:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_parses_back_from_its_name_and_names_are_unique_and_sorted() {
        let all: Vec<EventType> = EventType::PUBLIC
            .iter()
            .chain(EventType::INTERNAL)
            .copied()
            .collect();
        let mut names = std::collections::BTreeSet::new();
        for t in &all {
            assert_eq!(EventType::parse(t.as_str()), Some(*t));
            assert!(names.insert(t.as_str()), "{t} twice");
            let json = serde_json::to_string(t).unwrap();
            assert_eq!(serde_json::from_str::<EventType>(&json).unwrap(), *t);
        }
        let public: Vec<&str> = EventType::PUBLIC.iter().map(|t| t.as_str()).collect();
        assert_eq!(public, EVENT_TYPES);
        let mut sorted = public.clone();
        sorted.sort_unstable();
        assert_eq!(
            public, sorted,
            "the public list is kept sorted (the error message lists it)"
        );
        assert_eq!(EventType::parse("deployment.exploded"), None);
    }
}
