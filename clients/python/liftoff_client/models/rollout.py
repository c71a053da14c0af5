from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.rollout_status import RolloutStatus
from ..models.zone_mode import ZoneMode
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.analysis_status import AnalysisStatus
    from ..models.host_overview import HostOverview
    from ..models.rollout_host import RolloutHost


T = TypeVar("T", bound="Rollout")


@_attrs_define
class Rollout:
    """
    Attributes:
        application (str):
        created_at (datetime.datetime):
        deployment_group (str):
        deployment_id (UUID):
        hosts (list[RolloutHost]): Per host, in rollout order (empty when only the summary was asked for).
        overview (HostOverview):
        revision_id (UUID):
        status (RolloutStatus):
        analysis (AnalysisStatus | None | Unset):
        approved_at (datetime.datetime | None | Unset): When an operator approved the rest of the fleet after the canary
            batch.
        bake_until (datetime.datetime | None | Unset): With `zone-at-a-time` and a bake time: the next zone starts after
            this.
        canary_hosts (int | Unset): Hosts in the canary batch (0: none).
        completed_at (datetime.datetime | None | Unset):
        current_zone (None | str | Unset): With `zone-at-a-time`: the zone being updated.
        error_code (None | str | Unset):
        error_message (None | str | Unset):
        report_seq (int | None | Unset): The number of the rollout's last progress report when this answer was made
            (read
            before the rest of it, so the answer is at least that new): a copy that took this answer
            as that report ignores the older reports still on their way.
        rollback_of (None | Unset | UUID):
        started_at (datetime.datetime | None | Unset):
        waiting_for (None | str | Unset): Why a running rollout starts no new host now (hosts already running finish):
            `outside_window` or `frozen`. It resumes by itself when the gate opens.
        zone_mode (ZoneMode | Unset): How a rollout moves through the zones of a fleet.
    """

    application: str
    created_at: datetime.datetime
    deployment_group: str
    deployment_id: UUID
    hosts: list[RolloutHost]
    overview: HostOverview
    revision_id: UUID
    status: RolloutStatus
    analysis: AnalysisStatus | None | Unset = UNSET
    approved_at: datetime.datetime | None | Unset = UNSET
    bake_until: datetime.datetime | None | Unset = UNSET
    canary_hosts: int | Unset = UNSET
    completed_at: datetime.datetime | None | Unset = UNSET
    current_zone: None | str | Unset = UNSET
    error_code: None | str | Unset = UNSET
    error_message: None | str | Unset = UNSET
    report_seq: int | None | Unset = UNSET
    rollback_of: None | Unset | UUID = UNSET
    started_at: datetime.datetime | None | Unset = UNSET
    waiting_for: None | str | Unset = UNSET
    zone_mode: ZoneMode | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.analysis_status import AnalysisStatus  # noqa: PLC0415

        application = self.application

        created_at = self.created_at.isoformat()

        deployment_group = self.deployment_group

        deployment_id = str(self.deployment_id)

        hosts = []
        for hosts_item_data in self.hosts:
            hosts_item = hosts_item_data.to_dict()
            hosts.append(hosts_item)

        overview = self.overview.to_dict()

        revision_id = str(self.revision_id)

        status = self.status.value

        analysis: dict[str, Any] | None | Unset
        if isinstance(self.analysis, Unset):
            analysis = UNSET
        elif isinstance(self.analysis, AnalysisStatus):
            analysis = self.analysis.to_dict()
        else:
            analysis = self.analysis

        approved_at: None | str | Unset
        if isinstance(self.approved_at, Unset):
            approved_at = UNSET
        elif isinstance(self.approved_at, datetime.datetime):
            approved_at = self.approved_at.isoformat()
        else:
            approved_at = self.approved_at

        bake_until: None | str | Unset
        if isinstance(self.bake_until, Unset):
            bake_until = UNSET
        elif isinstance(self.bake_until, datetime.datetime):
            bake_until = self.bake_until.isoformat()
        else:
            bake_until = self.bake_until

        canary_hosts = self.canary_hosts

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

        error_code: None | str | Unset
        if isinstance(self.error_code, Unset):
            error_code = UNSET
        else:
            error_code = self.error_code

        error_message: None | str | Unset
        if isinstance(self.error_message, Unset):
            error_message = UNSET
        else:
            error_message = self.error_message

        report_seq: int | None | Unset
        if isinstance(self.report_seq, Unset):
            report_seq = UNSET
        else:
            report_seq = self.report_seq

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

        zone_mode: str | Unset = UNSET
        if not isinstance(self.zone_mode, Unset):
            zone_mode = self.zone_mode.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "application": application,
                "created_at": created_at,
                "deployment_group": deployment_group,
                "deployment_id": deployment_id,
                "hosts": hosts,
                "overview": overview,
                "revision_id": revision_id,
                "status": status,
            }
        )
        if analysis is not UNSET:
            field_dict["analysis"] = analysis
        if approved_at is not UNSET:
            field_dict["approved_at"] = approved_at
        if bake_until is not UNSET:
            field_dict["bake_until"] = bake_until
        if canary_hosts is not UNSET:
            field_dict["canary_hosts"] = canary_hosts
        if completed_at is not UNSET:
            field_dict["completed_at"] = completed_at
        if current_zone is not UNSET:
            field_dict["current_zone"] = current_zone
        if error_code is not UNSET:
            field_dict["error_code"] = error_code
        if error_message is not UNSET:
            field_dict["error_message"] = error_message
        if report_seq is not UNSET:
            field_dict["report_seq"] = report_seq
        if rollback_of is not UNSET:
            field_dict["rollback_of"] = rollback_of
        if started_at is not UNSET:
            field_dict["started_at"] = started_at
        if waiting_for is not UNSET:
            field_dict["waiting_for"] = waiting_for
        if zone_mode is not UNSET:
            field_dict["zone_mode"] = zone_mode

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.analysis_status import AnalysisStatus  # noqa: PLC0415
        from ..models.host_overview import HostOverview  # noqa: PLC0415
        from ..models.rollout_host import RolloutHost  # noqa: PLC0415

        d = dict(src_dict)
        application = d.pop("application")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        deployment_group = d.pop("deployment_group")

        deployment_id = UUID(d.pop("deployment_id"))

        hosts = []
        _hosts = d.pop("hosts")
        for hosts_item_data in _hosts:
            hosts_item = RolloutHost.from_dict(hosts_item_data)

            hosts.append(hosts_item)

        overview = HostOverview.from_dict(d.pop("overview"))

        revision_id = UUID(d.pop("revision_id"))

        status = RolloutStatus(d.pop("status"))

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

        def _parse_approved_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                approved_at_type_0 = datetime.datetime.fromisoformat(data)

                return approved_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        approved_at = _parse_approved_at(d.pop("approved_at", UNSET))

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

        canary_hosts = d.pop("canary_hosts", UNSET)

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

        def _parse_error_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error_code = _parse_error_code(d.pop("error_code", UNSET))

        def _parse_error_message(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error_message = _parse_error_message(d.pop("error_message", UNSET))

        def _parse_report_seq(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        report_seq = _parse_report_seq(d.pop("report_seq", UNSET))

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

        _zone_mode = d.pop("zone_mode", UNSET)
        zone_mode: ZoneMode | Unset
        if isinstance(_zone_mode, Unset):
            zone_mode = UNSET
        else:
            zone_mode = ZoneMode(_zone_mode)

        rollout = cls(
            application=application,
            created_at=created_at,
            deployment_group=deployment_group,
            deployment_id=deployment_id,
            hosts=hosts,
            overview=overview,
            revision_id=revision_id,
            status=status,
            analysis=analysis,
            approved_at=approved_at,
            bake_until=bake_until,
            canary_hosts=canary_hosts,
            completed_at=completed_at,
            current_zone=current_zone,
            error_code=error_code,
            error_message=error_message,
            report_seq=report_seq,
            rollback_of=rollback_of,
            started_at=started_at,
            waiting_for=waiting_for,
            zone_mode=zone_mode,
        )

        rollout.additional_properties = d
        return rollout

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
