from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.host_revision_report import HostRevisionReport


T = TypeVar("T", bound="HostRevisionReports")


@_attrs_define
class HostRevisionReports:
    """`POST /v1/hosts/revisions`: a batch of reports, oldest first.

    Attributes:
        reports (list[HostRevisionReport]):
    """

    reports: list[HostRevisionReport]

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
        from ..models.host_revision_report import HostRevisionReport  # noqa: PLC0415

        d = dict(src_dict)
        reports = []
        _reports = d.pop("reports")
        for reports_item_data in _reports:
            reports_item = HostRevisionReport.from_dict(reports_item_data)

            reports.append(reports_item)

        host_revision_reports = cls(
            reports=reports,
        )

        return host_revision_reports
