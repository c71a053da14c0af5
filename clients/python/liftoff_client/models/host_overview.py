from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="HostOverview")


@_attrs_define
class HostOverview:
    """
    Attributes:
        failed (int):
        in_progress (int):
        pending (int):
        skipped (int):
        succeeded (int):
    """

    failed: int
    in_progress: int
    pending: int
    skipped: int
    succeeded: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        failed = self.failed

        in_progress = self.in_progress

        pending = self.pending

        skipped = self.skipped

        succeeded = self.succeeded

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "failed": failed,
                "in_progress": in_progress,
                "pending": pending,
                "skipped": skipped,
                "succeeded": succeeded,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        failed = d.pop("failed")

        in_progress = d.pop("in_progress")

        pending = d.pop("pending")

        skipped = d.pop("skipped")

        succeeded = d.pop("succeeded")

        host_overview = cls(
            failed=failed,
            in_progress=in_progress,
            pending=pending,
            skipped=skipped,
            succeeded=succeeded,
        )

        host_overview.additional_properties = d
        return host_overview

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
