from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.deployment_reason import DeploymentReason
from ..models.deployment_status import DeploymentStatus
from ..models.file_exists_behavior import FileExistsBehavior
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.analysis_status import AnalysisStatus
    from ..models.error_detail import ErrorDetail
    from ..models.host_overview import HostOverview
    from ..models.rollout_host import RolloutHost
    from ..models.zone_overview import ZoneOverview


T = TypeVar("T", bound="Deployment")


@_attrs_define
class Deployment:
    """
    Attributes:
        application (str):
        created_at (datetime.datetime):
        created_by (str):
        deployment_config (str):
        deployment_group (str):
        deployment_id (UUID):
        hosts (list[RolloutHost]): Per-host, per-event detail (empty in lists, and in a stream asked for `hosts=false`).
        overview (HostOverview):
        reason (DeploymentReason): Why a deployment exists.
        revision_id (UUID):
        status (DeploymentStatus):
        analysis (AnalysisStatus | None | Unset):
        bake_until (datetime.datetime | None | Unset): With `zone-at-a-time` and a bake time: the next zone starts after
            this.
        completed_at (datetime.datetime | None | Unset):
        current_zone (None | str | Unset): With `zone-at-a-time`: the zone being updated.
        description (None | str | Unset):
        error (ErrorDetail | None | Unset):
        file_exists_behavior (FileExistsBehavior | None | Unset):
        rollback_of (None | Unset | UUID):
        started_at (datetime.datetime | None | Unset):
        waiting_for (None | str | Unset): Why a deployment waits. `Queued`: beyond the group's queue, `outside_window`
            (it starts
            by itself when one of the group's deployment windows opens). `InProgress`: it starts no
            new host (those running finish) while its group's window is closed (`outside_window`)
            or a freeze is in force (`frozen`), and resumes by itself when the gate opens.
        zones (list[ZoneOverview] | Unset): Hosts counted by zone and state, zones by name (empty in lists): what a
            large fleet's
            grid draws, without every host.
    """

    application: str
    created_at: datetime.datetime
    created_by: str
    deployment_config: str
    deployment_group: str
    deployment_id: UUID
    hosts: list[RolloutHost]
    overview: HostOverview
    reason: DeploymentReason
    revision_id: UUID
    status: DeploymentStatus
    analysis: AnalysisStatus | None | Unset = UNSET
    bake_until: datetime.datetime | None | Unset = UNSET
    completed_at: datetime.datetime | None | Unset = UNSET
    current_zone: None | str | Unset = UNSET
    description: None | str | Unset = UNSET
    error: ErrorDetail | None | Unset = UNSET
    file_exists_behavior: FileExistsBehavior | None | Unset = UNSET
    rollback_of: None | Unset | UUID = UNSET
    started_at: datetime.datetime | None | Unset = UNSET
    waiting_for: None | str | Unset = UNSET
    zones: list[ZoneOverview] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.analysis_status import AnalysisStatus  # noqa: PLC0415
        from ..models.error_detail import ErrorDetail  # noqa: PLC0415

        application = self.application

        created_at = self.created_at.isoformat()

        created_by = self.created_by

        deployment_config = self.deployment_config

        deployment_group = self.deployment_group

        deployment_id = str(self.deployment_id)

        hosts = []
        for hosts_item_data in self.hosts:
            hosts_item = hosts_item_data.to_dict()
            hosts.append(hosts_item)

        overview = self.overview.to_dict()

        reason = self.reason.value

        revision_id = str(self.revision_id)

        status = self.status.value

        analysis: dict[str, Any] | None | Unset
        if isinstance(self.analysis, Unset):
            analysis = UNSET
        elif isinstance(self.analysis, AnalysisStatus):
            analysis = self.analysis.to_dict()
        else:
            analysis = self.analysis

        bake_until: None | str | Unset
        if isinstance(self.bake_until, Unset):
            bake_until = UNSET
        elif isinstance(self.bake_until, datetime.datetime):
            bake_until = self.bake_until.isoformat()
        else:
            bake_until = self.bake_until

        completed_at: None | str | Unset
        if isinstance(self.completed_at, Unset):
            completed_at = UNSET
        elif isinstance(self.completed_at, datetime.datetime):
            completed_at = self.completed_at.isoformat()
        else:
            completed_at = self.completed_at

        current_zone: None | str | Unset
        if isinstance(self.current_zone, Unset):
            current_zone = UNSET
        else:
            current_zone = self.current_zone

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        error: dict[str, Any] | None | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        elif isinstance(self.error, ErrorDetail):
            error = self.error.to_dict()
        else:
            error = self.error

        file_exists_behavior: None | str | Unset
        if isinstance(self.file_exists_behavior, Unset):
            file_exists_behavior = UNSET
        elif isinstance(self.file_exists_behavior, FileExistsBehavior):
            file_exists_behavior = self.file_exists_behavior.value
        else:
            file_exists_behavior = self.file_exists_behavior

        rollback_of: None | str | Unset
        if isinstance(self.rollback_of, Unset):
            rollback_of = UNSET
        elif isinstance(self.rollback_of, UUID):
            rollback_of = str(self.rollback_of)
        else:
            rollback_of = self.rollback_of

        started_at: None | str | Unset
        if isinstance(self.started_at, Unset):
            started_at = UNSET
        elif isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        waiting_for: None | str | Unset
        if isinstance(self.waiting_for, Unset):
            waiting_for = UNSET
        else:
            waiting_for = self.waiting_for

        zones: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.zones, Unset):
            zones = []
            for zones_item_data in self.zones:
                zones_item = zones_item_data.to_dict()
                zones.append(zones_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "application": application,
                "created_at": created_at,
                "created_by": created_by,
                "deployment_config": deployment_config,
                "deployment_group": deployment_group,
                "deployment_id": deployment_id,
                "hosts": hosts,
                "overview": overview,
                "reason": reason,
                "revision_id": revision_id,
                "status": status,
            }
        )
        if analysis is not UNSET:
            field_dict["analysis"] = analysis
        if bake_until is not UNSET:
            field_dict["bake_until"] = bake_until
        if completed_at is not UNSET:
            field_dict["completed_at"] = completed_at
        if current_zone is not UNSET:
            field_dict["current_zone"] = current_zone
        if description is not UNSET:
            field_dict["description"] = description
        if error is not UNSET:
            field_dict["error"] = error
        if file_exists_behavior is not UNSET:
            field_dict["file_exists_behavior"] = file_exists_behavior
        if rollback_of is not UNSET:
            field_dict["rollback_of"] = rollback_of
        if started_at is not UNSET:
            field_dict["started_at"] = started_at
        if waiting_for is not UNSET:
            field_dict["waiting_for"] = waiting_for
        if zones is not UNSET:
            field_dict["zones"] = zones

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.analysis_status import AnalysisStatus  # noqa: PLC0415
        from ..models.error_detail import ErrorDetail  # noqa: PLC0415
        from ..models.host_overview import HostOverview  # noqa: PLC0415
        from ..models.rollout_host import RolloutHost  # noqa: PLC0415
        from ..models.zone_overview import ZoneOverview  # noqa: PLC0415

        d = dict(src_dict)
        application = d.pop("application")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        created_by = d.pop("created_by")

        deployment_config = d.pop("deployment_config")

        deployment_group = d.pop("deployment_group")

        deployment_id = UUID(d.pop("deployment_id"))

        hosts = []
        _hosts = d.pop("hosts")
        for hosts_item_data in _hosts:
            hosts_item = RolloutHost.from_dict(hosts_item_data)

            hosts.append(hosts_item)

        overview = HostOverview.from_dict(d.pop("overview"))

        reason = DeploymentReason(d.pop("reason"))

        revision_id = UUID(d.pop("revision_id"))

        status = DeploymentStatus(d.pop("status"))

        def _parse_analysis(data: object) -> AnalysisStatus | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                analysis_type_0 = AnalysisStatus.from_dict(data)

                return analysis_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AnalysisStatus | None | Unset, data)

        analysis = _parse_analysis(d.pop("analysis", UNSET))

        def _parse_bake_until(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                bake_until_type_0 = datetime.datetime.fromisoformat(data)

                return bake_until_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        bake_until = _parse_bake_until(d.pop("bake_until", UNSET))

        def _parse_completed_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                completed_at_type_0 = datetime.datetime.fromisoformat(data)

                return completed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        completed_at = _parse_completed_at(d.pop("completed_at", UNSET))

        def _parse_current_zone(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        current_zone = _parse_current_zone(d.pop("current_zone", UNSET))

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        def _parse_error(data: object) -> ErrorDetail | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                error_type_0 = ErrorDetail.from_dict(data)

                return error_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ErrorDetail | None | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

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

        def _parse_started_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        started_at = _parse_started_at(d.pop("started_at", UNSET))

        def _parse_waiting_for(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        waiting_for = _parse_waiting_for(d.pop("waiting_for", UNSET))

        _zones = d.pop("zones", UNSET)
        zones: list[ZoneOverview] | Unset = UNSET
        if _zones is not UNSET:
            zones = []
            for zones_item_data in _zones:
                zones_item = ZoneOverview.from_dict(zones_item_data)

                zones.append(zones_item)

        deployment = cls(
            application=application,
            created_at=created_at,
            created_by=created_by,
            deployment_config=deployment_config,
            deployment_group=deployment_group,
            deployment_id=deployment_id,
            hosts=hosts,
            overview=overview,
            reason=reason,
            revision_id=revision_id,
            status=status,
            analysis=analysis,
            bake_until=bake_until,
            completed_at=completed_at,
            current_zone=current_zone,
            description=description,
            error=error,
            file_exists_behavior=file_exists_behavior,
            rollback_of=rollback_of,
            started_at=started_at,
            waiting_for=waiting_for,
            zones=zones,
        )

        deployment.additional_properties = d
        return deployment

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
