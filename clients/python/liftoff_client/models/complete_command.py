from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.command_status import CommandStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.event_report import EventReport


T = TypeVar("T", bound="CompleteCommand")


@_attrs_define
class CompleteCommand:
    """
    Attributes:
        status (CommandStatus):
        error_code (None | str | Unset):
        message (None | str | Unset):
        reports (list[EventReport] | Unset): Reports of events not sent yet (at most [`MAX_EVENT_BATCH`]), applied in
            order before
            the completion and in its transaction: an agent whose hooks were quick reports a whole
            command in this one call.
    """

    status: CommandStatus
    error_code: None | str | Unset = UNSET
    message: None | str | Unset = UNSET
    reports: list[EventReport] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        status = self.status.value

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

        reports: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.reports, Unset):
            reports = []
            for reports_item_data in self.reports:
                reports_item = reports_item_data.to_dict()
                reports.append(reports_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "status": status,
            }
        )
        if error_code is not UNSET:
            field_dict["error_code"] = error_code
        if message is not UNSET:
            field_dict["message"] = message
        if reports is not UNSET:
            field_dict["reports"] = reports

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.event_report import EventReport  # noqa: PLC0415

        d = dict(src_dict)
        status = CommandStatus(d.pop("status"))

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

        _reports = d.pop("reports", UNSET)
        reports: list[EventReport] | Unset = UNSET
        if _reports is not UNSET:
            reports = []
            for reports_item_data in _reports:
                reports_item = EventReport.from_dict(reports_item_data)

                reports.append(reports_item)

        complete_command = cls(
            status=status,
            error_code=error_code,
            message=message,
            reports=reports,
        )

        return complete_command
