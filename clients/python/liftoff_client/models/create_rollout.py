from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..models.file_exists_behavior import FileExistsBehavior
from ..models.zone_mode import ZoneMode
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.bundle_ref import BundleRef
    from ..models.canary_batch_fleet_percent import CanaryBatchFleetPercent
    from ..models.canary_batch_host_count import CanaryBatchHostCount
    from ..models.create_rollout_selector import CreateRolloutSelector
    from ..models.health_analysis import HealthAnalysis
    from ..models.minimum_healthy_all_but_one import MinimumHealthyAllButOne
    from ..models.minimum_healthy_fleet_percent import MinimumHealthyFleetPercent
    from ..models.minimum_healthy_host_count import MinimumHealthyHostCount
    from ..models.rollout_gates import RolloutGates


T = TypeVar("T", bound="CreateRollout")


@_attrs_define
class CreateRollout:
    """The hand-off from deployment-api: roll this revision out to the group's hosts.
    `PUT /v1/rollouts/{deployment_id}` is idempotent: the same body again changes nothing.

        Attributes:
            application (str):
            bundle (BundleRef): A bundle stored content-addressed by its SHA-256, as the agent must fetch it.
            created_by (str):
            deployment_group (str):
            deployment_group_id (UUID):
            minimum_healthy (MinimumHealthyAllButOne | MinimumHealthyFleetPercent | MinimumHealthyHostCount): Minimum
                healthy hosts, CodeDeploy's way.
            revision_id (UUID):
            selector (CreateRolloutSelector):
            team (str):
            canary (CanaryBatchFleetPercent | CanaryBatchHostCount | None | Unset):
            file_exists_behavior (FileExistsBehavior | None | Unset):
            gates (None | RolloutGates | Unset):
            health_analysis (HealthAnalysis | None | Unset):
            hosts (list[UUID] | None | Unset): Exactly these hosts instead of the ones `selector` selects (a scale-out
                install).
            rollback_of (None | Unset | UUID): The deployment this one rolls back: its failed hosts go first.
            traffic_hooks (bool | Unset): The group's traffic is managed by the bundle's traffic hooks: every host runs
                them.
            zone_bake_secs (int | Unset): With `zone-at-a-time`: seconds to wait after a zone finishes before the next
                starts.
            zone_mode (ZoneMode | Unset): How a rollout moves through the zones of a fleet.
    """

    application: str
    bundle: BundleRef
    created_by: str
    deployment_group: str
    deployment_group_id: UUID
    minimum_healthy: MinimumHealthyAllButOne | MinimumHealthyFleetPercent | MinimumHealthyHostCount
    revision_id: UUID
    selector: CreateRolloutSelector
    team: str
    canary: CanaryBatchFleetPercent | CanaryBatchHostCount | None | Unset = UNSET
    file_exists_behavior: FileExistsBehavior | None | Unset = UNSET
    gates: None | RolloutGates | Unset = UNSET
    health_analysis: HealthAnalysis | None | Unset = UNSET
    hosts: list[UUID] | None | Unset = UNSET
    rollback_of: None | Unset | UUID = UNSET
    traffic_hooks: bool | Unset = UNSET
    zone_bake_secs: int | Unset = UNSET
    zone_mode: ZoneMode | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.canary_batch_fleet_percent import CanaryBatchFleetPercent  # noqa: PLC0415
        from ..models.canary_batch_host_count import CanaryBatchHostCount  # noqa: PLC0415
        from ..models.health_analysis import HealthAnalysis  # noqa: PLC0415
        from ..models.minimum_healthy_fleet_percent import MinimumHealthyFleetPercent  # noqa: PLC0415
        from ..models.minimum_healthy_host_count import MinimumHealthyHostCount  # noqa: PLC0415
        from ..models.rollout_gates import RolloutGates  # noqa: PLC0415

        application = self.application

        bundle = self.bundle.to_dict()

        created_by = self.created_by

        deployment_group = self.deployment_group

        deployment_group_id = str(self.deployment_group_id)

        minimum_healthy: dict[str, Any]
        if isinstance(self.minimum_healthy, MinimumHealthyHostCount):
            minimum_healthy = self.minimum_healthy.to_dict()
        elif isinstance(self.minimum_healthy, MinimumHealthyFleetPercent):
            minimum_healthy = self.minimum_healthy.to_dict()
        else:
            minimum_healthy = self.minimum_healthy.to_dict()

        revision_id = str(self.revision_id)

        selector = self.selector.to_dict()

        team = self.team

        canary: dict[str, Any] | None | Unset
        if isinstance(self.canary, Unset):
            canary = UNSET
        elif isinstance(self.canary, CanaryBatchHostCount):
            canary = self.canary.to_dict()
        elif isinstance(self.canary, CanaryBatchFleetPercent):
            canary = self.canary.to_dict()
        else:
            canary = self.canary

        file_exists_behavior: None | str | Unset
        if isinstance(self.file_exists_behavior, Unset):
            file_exists_behavior = UNSET
        elif isinstance(self.file_exists_behavior, FileExistsBehavior):
            file_exists_behavior = self.file_exists_behavior.value
        else:
            file_exists_behavior = self.file_exists_behavior

        gates: dict[str, Any] | None | Unset
        if isinstance(self.gates, Unset):
            gates = UNSET
        elif isinstance(self.gates, RolloutGates):
            gates = self.gates.to_dict()
        else:
            gates = self.gates

        health_analysis: dict[str, Any] | None | Unset
        if isinstance(self.health_analysis, Unset):
            health_analysis = UNSET
        elif isinstance(self.health_analysis, HealthAnalysis):
            health_analysis = self.health_analysis.to_dict()
        else:
            health_analysis = self.health_analysis

        hosts: list[str] | None | Unset
        if isinstance(self.hosts, Unset):
            hosts = UNSET
        elif isinstance(self.hosts, list):
            hosts = []
            for hosts_type_0_item_data in self.hosts:
                hosts_type_0_item = str(hosts_type_0_item_data)
                hosts.append(hosts_type_0_item)

        else:
            hosts = self.hosts

        rollback_of: None | str | Unset
        if isinstance(self.rollback_of, Unset):
            rollback_of = UNSET
        elif isinstance(self.rollback_of, UUID):
            rollback_of = str(self.rollback_of)
        else:
            rollback_of = self.rollback_of

        traffic_hooks = self.traffic_hooks

        zone_bake_secs = self.zone_bake_secs

        zone_mode: str | Unset = UNSET
        if not isinstance(self.zone_mode, Unset):
            zone_mode = self.zone_mode.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "application": application,
                "bundle": bundle,
                "created_by": created_by,
                "deployment_group": deployment_group,
                "deployment_group_id": deployment_group_id,
                "minimum_healthy": minimum_healthy,
                "revision_id": revision_id,
                "selector": selector,
                "team": team,
            }
        )
        if canary is not UNSET:
            field_dict["canary"] = canary
        if file_exists_behavior is not UNSET:
            field_dict["file_exists_behavior"] = file_exists_behavior
        if gates is not UNSET:
            field_dict["gates"] = gates
        if health_analysis is not UNSET:
            field_dict["health_analysis"] = health_analysis
        if hosts is not UNSET:
            field_dict["hosts"] = hosts
        if rollback_of is not UNSET:
            field_dict["rollback_of"] = rollback_of
        if traffic_hooks is not UNSET:
            field_dict["traffic_hooks"] = traffic_hooks
        if zone_bake_secs is not UNSET:
            field_dict["zone_bake_secs"] = zone_bake_secs
        if zone_mode is not UNSET:
            field_dict["zone_mode"] = zone_mode

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.bundle_ref import BundleRef  # noqa: PLC0415
        from ..models.canary_batch_fleet_percent import CanaryBatchFleetPercent  # noqa: PLC0415
        from ..models.canary_batch_host_count import CanaryBatchHostCount  # noqa: PLC0415
        from ..models.create_rollout_selector import CreateRolloutSelector  # noqa: PLC0415
        from ..models.health_analysis import HealthAnalysis  # noqa: PLC0415
        from ..models.minimum_healthy_all_but_one import MinimumHealthyAllButOne  # noqa: PLC0415
        from ..models.minimum_healthy_fleet_percent import MinimumHealthyFleetPercent  # noqa: PLC0415
        from ..models.minimum_healthy_host_count import MinimumHealthyHostCount  # noqa: PLC0415
        from ..models.rollout_gates import RolloutGates  # noqa: PLC0415

        d = dict(src_dict)
        application = d.pop("application")

        bundle = BundleRef.from_dict(d.pop("bundle"))

        created_by = d.pop("created_by")

        deployment_group = d.pop("deployment_group")

        deployment_group_id = UUID(d.pop("deployment_group_id"))

        def _parse_minimum_healthy(
            data: object,
        ) -> MinimumHealthyAllButOne | MinimumHealthyFleetPercent | MinimumHealthyHostCount:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_minimum_healthy_minimum_healthy_host_count = MinimumHealthyHostCount.from_dict(data)

                return componentsschemas_minimum_healthy_minimum_healthy_host_count
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_minimum_healthy_minimum_healthy_fleet_percent = MinimumHealthyFleetPercent.from_dict(
                    data
                )

                return componentsschemas_minimum_healthy_minimum_healthy_fleet_percent
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_minimum_healthy_minimum_healthy_all_but_one = MinimumHealthyAllButOne.from_dict(data)

            return componentsschemas_minimum_healthy_minimum_healthy_all_but_one

        minimum_healthy = _parse_minimum_healthy(d.pop("minimum_healthy"))

        revision_id = UUID(d.pop("revision_id"))

        selector = CreateRolloutSelector.from_dict(d.pop("selector"))

        team = d.pop("team")

        def _parse_canary(data: object) -> CanaryBatchFleetPercent | CanaryBatchHostCount | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_canary_batch_canary_batch_host_count = CanaryBatchHostCount.from_dict(data)

                return componentsschemas_canary_batch_canary_batch_host_count
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_canary_batch_canary_batch_fleet_percent = CanaryBatchFleetPercent.from_dict(data)

                return componentsschemas_canary_batch_canary_batch_fleet_percent
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CanaryBatchFleetPercent | CanaryBatchHostCount | None | Unset, data)

        canary = _parse_canary(d.pop("canary", UNSET))

        def _parse_file_exists_behavior(data: object) -> FileExistsBehavior | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                file_exists_behavior_type_0 = FileExistsBehavior(data)

                return file_exists_behavior_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(FileExistsBehavior | None | Unset, data)

        file_exists_behavior = _parse_file_exists_behavior(d.pop("file_exists_behavior", UNSET))

        def _parse_gates(data: object) -> None | RolloutGates | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                gates_type_0 = RolloutGates.from_dict(data)

                return gates_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RolloutGates | Unset, data)

        gates = _parse_gates(d.pop("gates", UNSET))

        def _parse_health_analysis(data: object) -> HealthAnalysis | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                health_analysis_type_0 = HealthAnalysis.from_dict(data)

                return health_analysis_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(HealthAnalysis | None | Unset, data)

        health_analysis = _parse_health_analysis(d.pop("health_analysis", UNSET))

        def _parse_hosts(data: object) -> list[UUID] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                hosts_type_0 = []
                _hosts_type_0 = data
                for hosts_type_0_item_data in _hosts_type_0:
                    hosts_type_0_item = UUID(hosts_type_0_item_data)

                    hosts_type_0.append(hosts_type_0_item)

                return hosts_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[UUID] | None | Unset, data)

        hosts = _parse_hosts(d.pop("hosts", UNSET))

        def _parse_rollback_of(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                rollback_of_type_0 = UUID(data)

                return rollback_of_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        rollback_of = _parse_rollback_of(d.pop("rollback_of", UNSET))

        traffic_hooks = d.pop("traffic_hooks", UNSET)

        zone_bake_secs = d.pop("zone_bake_secs", UNSET)

        _zone_mode = d.pop("zone_mode", UNSET)
        zone_mode: ZoneMode | Unset
        if isinstance(_zone_mode, Unset):
            zone_mode = UNSET
        else:
            zone_mode = ZoneMode(_zone_mode)

        create_rollout = cls(
            application=application,
            bundle=bundle,
            created_by=created_by,
            deployment_group=deployment_group,
            deployment_group_id=deployment_group_id,
            minimum_healthy=minimum_healthy,
            revision_id=revision_id,
            selector=selector,
            team=team,
            canary=canary,
            file_exists_behavior=file_exists_behavior,
            gates=gates,
            health_analysis=health_analysis,
            hosts=hosts,
            rollback_of=rollback_of,
            traffic_hooks=traffic_hooks,
            zone_bake_secs=zone_bake_secs,
            zone_mode=zone_mode,
        )

        return create_rollout
