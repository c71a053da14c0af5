from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.event_status import EventStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="LifecycleEventRecord")


@_attrs_define
class LifecycleEventRecord:
    """
    Attributes:
        event (str):
        output_tail (str):
        output_truncated (bool):
        started_at (datetime.datetime):
        status (EventStatus): The state of one lifecycle event on one host.
        ended_at (datetime.datetime | None | Unset):
        error_code (None | str | Unset):
        exit_code (int | None | Unset):
        message (None | str | Unset):
    """

    event: str
    output_tail: str
    output_truncated: bool
    started_at: datetime.datetime
    status: EventStatus
    ended_at: datetime.datetime | None | Unset = UNSET
    error_code: None | str | Unset = UNSET
    exit_code: int | None | Unset = UNSET
    message: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        event = self.event

        output_tail = self.output_tail

        output_truncated = self.output_truncated

        started_at = self.started_at.isoformat()

        status = self.status.value

        ended_at: None | str | Unset
        if isinstance(self.ended_at, Unset):
            ended_at = UNSET
        elif isinstance(self.ended_at, datetime.datetime):
            ended_at = self.ended_at.isoformat()
        else:
            ended_at = self.ended_at

        error_code: None | str | Unset
        if isinstance(self.error_code, Unset):
            error_code = UNSET
        else:
            error_code = self.error_code

        exit_code: int | None | Unset
        if isinstance(self.exit_code, Unset):
            exit_code = UNSET
        else:
            exit_code = self.exit_code

        message: None | str | Unset
        if isinstance(self.message, Unset):
            message = UNSET
        else:
            message = self.message

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "event": event,
                "output_tail": output_tail,
                "output_truncated": output_truncated,
                "started_at": started_at,
                "status": status,
            }
        )
        if ended_at is not UNSET:
            field_dict["ended_at"] = ended_at
        if error_code is not UNSET:
            field_dict["error_code"] = error_code
        if exit_code is not UNSET:
            field_dict["exit_code"] = exit_code
        if message is not UNSET:
            field_dict["message"] = message

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        event = d.pop("event")

        output_tail = d.pop("output_tail")

        output_truncated = d.pop("output_truncated")

        started_at = datetime.datetime.fromisoformat(d.pop("started_at"))

        status = EventStatus(d.pop("status"))

        def _parse_ended_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                ended_at_type_0 = datetime.datetime.fromisoformat(data)

                return ended_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        ended_at = _parse_ended_at(d.pop("ended_at", UNSET))

        def _parse_error_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error_code = _parse_error_code(d.pop("error_code", UNSET))

        def _parse_exit_code(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        exit_code = _parse_exit_code(d.pop("exit_code", UNSET))

        def _parse_message(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        message = _parse_message(d.pop("message", UNSET))

        lifecycle_event_record = cls(
            event=event,
            output_tail=output_tail,
            output_truncated=output_truncated,
            started_at=started_at,
            status=status,
            ended_at=ended_at,
            error_code=error_code,
            exit_code=exit_code,
            message=message,
        )

        lifecycle_event_record.additional_properties = d
        return lifecycle_event_record

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
