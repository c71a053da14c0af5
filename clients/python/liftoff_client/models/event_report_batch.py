from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.event_report import EventReport


T = TypeVar("T", bound="EventReportBatch")


@_attrs_define
class EventReportBatch:
    """Several event reports of one command, applied in order in one transaction, as if sent
    one after another: an agent sends the end of one event with the start of the next.

        Attributes:
            reports (list[EventReport]): 1 to [`MAX_EVENT_BATCH`] reports.
    """

    reports: list[EventReport]

    def to_dict(self) -> dict[str, Any]:
        reports = []
        for reports_item_data in self.reports:
            reports_item = reports_item_data.to_dict()
            reports.append(reports_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "reports": reports,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.event_report import EventReport  # noqa: PLC0415

        d = dict(src_dict)
        reports = []
        _reports = d.pop("reports")
        for reports_item_data in _reports:
            reports_item = EventReport.from_dict(reports_item_data)

            reports.append(reports_item)

        event_report_batch = cls(
            reports=reports,
        )

        return event_report_batch
