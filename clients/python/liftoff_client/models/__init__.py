"""Contains all the data models used in inputs/outputs"""

from .ack_response import AckResponse
from .agent_command import AgentCommand
from .agent_command_kind import AgentCommandKind
from .analysis_state import AnalysisState
from .analysis_status import AnalysisStatus
from .application import Application
from .application_deleted import ApplicationDeleted
from .application_list import ApplicationList
from .audit_entry import AuditEntry
from .audit_page import AuditPage
from .autoscaling_event import AutoscalingEvent
from .autoscaling_event_accepted import AutoscalingEventAccepted
from .bundle_ref import BundleRef
from .canary_batch_fleet_percent import CanaryBatchFleetPercent
from .canary_batch_fleet_percent_type import CanaryBatchFleetPercentType
from .canary_batch_host_count import CanaryBatchHostCount
from .canary_batch_host_count_type import CanaryBatchHostCountType
from .command_batch import CommandBatch
from .command_state import CommandState
from .command_status import CommandStatus
from .complete_command import CompleteCommand
from .concurrency_policy import ConcurrencyPolicy
from .create_application import CreateApplication
from .create_deployment import CreateDeployment
from .create_deployment_config import CreateDeploymentConfig
from .create_deployment_group import CreateDeploymentGroup
from .create_deployment_group_selector import CreateDeploymentGroupSelector
from .create_enrollment_token import CreateEnrollmentToken
from .create_enrollment_token_tags import CreateEnrollmentTokenTags
from .create_freeze import CreateFreeze
from .create_pin import CreatePin
from .create_rollout import CreateRollout
from .create_rollout_selector import CreateRolloutSelector
from .create_team import CreateTeam
from .create_token import CreateToken
from .create_webhook import CreateWebhook
from .created_token import CreatedToken
from .delivery_attempt import DeliveryAttempt
from .delivery_page import DeliveryPage
from .delivery_status import DeliveryStatus
from .deployment import Deployment
from .deployment_config import DeploymentConfig
from .deployment_config_list import DeploymentConfigList
from .deployment_group import DeploymentGroup
from .deployment_group_list import DeploymentGroupList
from .deployment_group_selector import DeploymentGroupSelector
from .deployment_host_list import DeploymentHostList
from .deployment_list import DeploymentList
from .deployment_reason import DeploymentReason
from .deployment_status import DeploymentStatus
from .deployment_windows import DeploymentWindows
from .enroll_request import EnrollRequest
from .enroll_request_tags import EnrollRequestTags
from .enroll_response import EnrollResponse
from .enrollment_token import EnrollmentToken
from .enrollment_token_list import EnrollmentTokenList
from .enrollment_token_tags import EnrollmentTokenTags
from .error_body import ErrorBody
from .error_detail import ErrorDetail
from .event_batch import EventBatch
from .event_page import EventPage
from .event_report import EventReport
from .event_report_batch import EventReportBatch
from .event_status import EventStatus
from .file_exists_behavior import FileExistsBehavior
from .freeze import Freeze
from .freeze_list import FreezeList
from .freeze_override import FreezeOverride
from .group_at_time import GroupAtTime
from .group_deployment_at import GroupDeploymentAt
from .health_analysis import HealthAnalysis
from .heard_feed import HeardFeed
from .heard_feed_response import HeardFeedResponse
from .heard_host import HeardHost
from .heartbeat import Heartbeat
from .heartbeat_response import HeartbeatResponse
from .history_event import HistoryEvent
from .hook_log import HookLog
from .hook_log_batch import HookLogBatch
from .hook_log_entry import HookLogEntry
from .hook_log_page import HookLogPage
from .hook_log_upload import HookLogUpload
from .host import Host
from .host_command import HostCommand
from .host_command_kind import HostCommandKind
from .host_command_result import HostCommandResult
from .host_install import HostInstall
from .host_list import HostList
from .host_overview import HostOverview
from .host_revision import HostRevision
from .host_revision_at import HostRevisionAt
from .host_revision_list import HostRevisionList
from .host_revision_report import HostRevisionReport
from .host_revision_reports import HostRevisionReports
from .host_revisions_recorded import HostRevisionsRecorded
from .host_running_revision import HostRunningRevision
from .host_state import HostState
from .host_tags import HostTags
from .host_target_status import HostTargetStatus
from .ingest_result import IngestResult
from .install_mode import InstallMode
from .install_outcome import InstallOutcome
from .install_outcomes import InstallOutcomes
from .install_outcomes_recorded import InstallOutcomesRecorded
from .install_status import InstallStatus
from .lifecycle_action import LifecycleAction
from .lifecycle_action_list import LifecycleActionList
from .lifecycle_action_status import LifecycleActionStatus
from .lifecycle_event_record import LifecycleEventRecord
from .lifecycle_result import LifecycleResult
from .measurement import Measurement
from .measurement_outcome import MeasurementOutcome
from .minimum_healthy_all_but_one import MinimumHealthyAllButOne
from .minimum_healthy_all_but_one_type import MinimumHealthyAllButOneType
from .minimum_healthy_fleet_percent import MinimumHealthyFleetPercent
from .minimum_healthy_fleet_percent_type import MinimumHealthyFleetPercentType
from .minimum_healthy_host_count import MinimumHealthyHostCount
from .minimum_healthy_host_count_type import MinimumHealthyHostCountType
from .outside_window import OutsideWindow
from .pin import Pin
from .pin_list import PinList
from .promote import Promote
from .promotion import Promotion
from .promotion_request import PromotionRequest
from .promotion_request_list import PromotionRequestList
from .promotion_request_status import PromotionRequestStatus
from .recorded_event import RecordedEvent
from .register_revision_url import RegisterRevisionUrl
from .reject_promotion import RejectPromotion
from .retry_failed_hosts import RetryFailedHosts
from .revision import Revision
from .revision_list import RevisionList
from .revocation import Revocation
from .revocation_kind import RevocationKind
from .revocation_page import RevocationPage
from .revoke_credential import RevokeCredential
from .revoked_token import RevokedToken
from .rollout import Rollout
from .rollout_action import RolloutAction
from .rollout_detail import RolloutDetail
from .rollout_gates import RolloutGates
from .rollout_host import RolloutHost
from .rollout_status import RolloutStatus
from .rotate_webhook_secret import RotateWebhookSecret
from .scale_direction import ScaleDirection
from .set_deployment_windows import SetDeploymentWindows
from .stage import Stage
from .stage_approval import StageApproval
from .stage_list import StageList
from .team import Team
from .team_list import TeamList
from .team_role import TeamRole
from .token_list import TokenList
from .token_record import TokenRecord
from .update_application import UpdateApplication
from .update_deployment_group import UpdateDeploymentGroup
from .update_deployment_group_selector import UpdateDeploymentGroupSelector
from .update_host import UpdateHost
from .update_host_tags import UpdateHostTags
from .webhook import Webhook
from .webhook_delivery import WebhookDelivery
from .webhook_list import WebhookList
from .webhook_with_secret import WebhookWithSecret
from .whoami import Whoami
from .window_source import WindowSource
from .zone_mode import ZoneMode
from .zone_overview import ZoneOverview

__all__ = (
    "AckResponse",
    "AgentCommand",
    "AgentCommandKind",
    "AnalysisState",
    "AnalysisStatus",
    "Application",
    "ApplicationDeleted",
    "ApplicationList",
    "AuditEntry",
    "AuditPage",
    "AutoscalingEvent",
    "AutoscalingEventAccepted",
    "BundleRef",
    "CanaryBatchFleetPercent",
    "CanaryBatchFleetPercentType",
    "CanaryBatchHostCount",
    "CanaryBatchHostCountType",
    "CommandBatch",
    "CommandState",
    "CommandStatus",
    "CompleteCommand",
    "ConcurrencyPolicy",
    "CreateApplication",
    "CreateDeployment",
    "CreateDeploymentConfig",
    "CreateDeploymentGroup",
    "CreateDeploymentGroupSelector",
    "CreatedToken",
    "CreateEnrollmentToken",
    "CreateEnrollmentTokenTags",
    "CreateFreeze",
    "CreatePin",
    "CreateRollout",
    "CreateRolloutSelector",
    "CreateTeam",
    "CreateToken",
    "CreateWebhook",
    "DeliveryAttempt",
    "DeliveryPage",
    "DeliveryStatus",
    "Deployment",
    "DeploymentConfig",
    "DeploymentConfigList",
    "DeploymentGroup",
    "DeploymentGroupList",
    "DeploymentGroupSelector",
    "DeploymentHostList",
    "DeploymentList",
    "DeploymentReason",
    "DeploymentStatus",
    "DeploymentWindows",
    "EnrollmentToken",
    "EnrollmentTokenList",
    "EnrollmentTokenTags",
    "EnrollRequest",
    "EnrollRequestTags",
    "EnrollResponse",
    "ErrorBody",
    "ErrorDetail",
    "EventBatch",
    "EventPage",
    "EventReport",
    "EventReportBatch",
    "EventStatus",
    "FileExistsBehavior",
    "Freeze",
    "FreezeList",
    "FreezeOverride",
    "GroupAtTime",
    "GroupDeploymentAt",
    "HealthAnalysis",
    "HeardFeed",
    "HeardFeedResponse",
    "HeardHost",
    "Heartbeat",
    "HeartbeatResponse",
    "HistoryEvent",
    "HookLog",
    "HookLogBatch",
    "HookLogEntry",
    "HookLogPage",
    "HookLogUpload",
    "Host",
    "HostCommand",
    "HostCommandKind",
    "HostCommandResult",
    "HostInstall",
    "HostList",
    "HostOverview",
    "HostRevision",
    "HostRevisionAt",
    "HostRevisionList",
    "HostRevisionReport",
    "HostRevisionReports",
    "HostRevisionsRecorded",
    "HostRunningRevision",
    "HostState",
    "HostTags",
    "HostTargetStatus",
    "IngestResult",
    "InstallMode",
    "InstallOutcome",
    "InstallOutcomes",
    "InstallOutcomesRecorded",
    "InstallStatus",
    "LifecycleAction",
    "LifecycleActionList",
    "LifecycleActionStatus",
    "LifecycleEventRecord",
    "LifecycleResult",
    "Measurement",
    "MeasurementOutcome",
    "MinimumHealthyAllButOne",
    "MinimumHealthyAllButOneType",
    "MinimumHealthyFleetPercent",
    "MinimumHealthyFleetPercentType",
    "MinimumHealthyHostCount",
    "MinimumHealthyHostCountType",
    "OutsideWindow",
    "Pin",
    "PinList",
    "Promote",
    "Promotion",
    "PromotionRequest",
    "PromotionRequestList",
    "PromotionRequestStatus",
    "RecordedEvent",
    "RegisterRevisionUrl",
    "RejectPromotion",
    "RetryFailedHosts",
    "Revision",
    "RevisionList",
    "Revocation",
    "RevocationKind",
    "RevocationPage",
    "RevokeCredential",
    "RevokedToken",
    "Rollout",
    "RolloutAction",
    "RolloutDetail",
    "RolloutGates",
    "RolloutHost",
    "RolloutStatus",
    "RotateWebhookSecret",
    "ScaleDirection",
    "SetDeploymentWindows",
    "Stage",
    "StageApproval",
    "StageList",
    "Team",
    "TeamList",
    "TeamRole",
    "TokenList",
    "TokenRecord",
    "UpdateApplication",
    "UpdateDeploymentGroup",
    "UpdateDeploymentGroupSelector",
    "UpdateHost",
    "UpdateHostTags",
    "Webhook",
    "WebhookDelivery",
    "WebhookList",
    "WebhookWithSecret",
    "Whoami",
    "WindowSource",
    "ZoneMode",
    "ZoneOverview",
)
