from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.host_target_status import HostTargetStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.lifecycle_event_record import LifecycleEventRecord


T = TypeVar("T", bound="RolloutHost")


@_attrs_define
class RolloutHost:
    """
    Attributes:
        attempt (int):
        events (list[LifecycleEventRecord]):
        host_id (UUID):
        status (HostTargetStatus): A host's place in a rollout.
        zone (str):
        command_id (None | Unset | UUID):
        completed_at (datetime.datetime | None | Unset):
        dispatched_at (datetime.datetime | None | Unset): When the current attempt's command was ready for the agent.
        error_code (None | str | Unset): `script-failed`, `timed-out`, `agent-lost`, `never-started`, or an agent error
            code.
        message (None | str | Unset):
        started_at (datetime.datetime | None | Unset):
    """

    attempt: int
    events: list[LifecycleEventRecord]
    host_id: UUID
    status: HostTargetStatus
    zone: str
    command_id: None | Unset | UUID = UNSET
    completed_at: datetime.datetime | None | Unset = UNSET
    dispatched_at: datetime.datetime | None | Unset = UNSET
    error_code: None | str | Unset = UNSET
    message: None | str | Unset = UNSET
    started_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempt = self.attempt

        events = []
        for events_item_data in self.events:
            events_item = events_item_data.to_dict()
            events.append(events_item)

        host_id = str(self.host_id)

        status = self.status.value

        zone = self.zone

        command_id: None | str | Unset
        if isinstance(self.command_id, Unset):
            command_id = UNSET
        elif isinstance(self.command_id, UUID):
            command_id = str(self.command_id)
        else:
            command_id = self.command_id

        completed_at: None | str | Unset
        if isinstance(self.completed_at, Unset):
            completed_at = UNSET
        elif isinstance(self.completed_at, datetime.datetime):
            completed_at = self.completed_at.isoformat()
        else:
            completed_at = self.completed_at

        dispatched_at: None | str | Unset
        if isinstance(self.dispatched_at, Unset):
            dispatched_at = UNSET
        elif isinstance(self.dispatched_at, datetime.datetime):
            dispatched_at = self.dispatched_at.isoformat()
        else:
            dispatched_at = self.dispatched_at

        error_code: None | str | Unset
        if isinstance(self.error_code, Unset):
            error_code = UNSET
        else:
            error_code = self.error_code

        message: None | str | Unset
        if isinstance(self.message, Unset):
            message = UNSET
        else:
            message = self.message

        started_at: None | str | Unset
        if isinstance(self.started_at, Unset):
            started_at = UNSET
        elif isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempt": attempt,
                "events": events,
                "host_id": host_id,
                "status": status,
                "zone": zone,
            }
        )
        if command_id is not UNSET:
            field_dict["command_id"] = command_id
        if completed_at is not UNSET:
            field_dict["completed_at"] = completed_at
        if dispatched_at is not UNSET:
            field_dict["dispatched_at"] = dispatched_at
        if error_code is not UNSET:
            field_dict["error_code"] = error_code
        if message is not UNSET:
            field_dict["message"] = message
        if started_at is not UNSET:
            field_dict["started_at"] = started_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.lifecycle_event_record import LifecycleEventRecord  # noqa: PLC0415

        d = dict(src_dict)
        attempt = d.pop("attempt")

        events = []
        _events = d.pop("events")
        for events_item_data in _events:
            events_item = LifecycleEventRecord.from_dict(events_item_data)

            events.append(events_item)

        host_id = UUID(d.pop("host_id"))

        status = HostTargetStatus(d.pop("status"))

        zone = d.pop("zone")

        def _parse_command_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                command_id_type_0 = UUID(data)

                return command_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        command_id = _parse_command_id(d.pop("command_id", UNSET))

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

        def _parse_dispatched_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                dispatched_at_type_0 = datetime.datetime.fromisoformat(data)

                return dispatched_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        dispatched_at = _parse_dispatched_at(d.pop("dispatched_at", UNSET))

        def _parse_error_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error_code = _parse_error_code(d.pop("error_code", UNSET))

        def _parse_message(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        message = _parse_message(d.pop("message", UNSET))

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

        rollout_host = cls(
            attempt=attempt,
            events=events,
            host_id=host_id,
            status=status,
            zone=zone,
            command_id=command_id,
            completed_at=completed_at,
            dispatched_at=dispatched_at,
            error_code=error_code,
            message=message,
            started_at=started_at,
        )

        rollout_host.additional_properties = d
        return rollout_host

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
