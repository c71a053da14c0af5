from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="GroupWindows")


@_attrs_define
class GroupWindows:
    """A group's effective deployment windows after a change of its own or of its application's.

    Attributes:
        deployment_group_id (UUID):
        windows (list[str]): Empty: no windows, deployments start at any time.
    """

    deployment_group_id: UUID
    windows: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        deployment_group_id = str(self.deployment_group_id)

        windows = self.windows

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "deployment_group_id": deployment_group_id,
                "windows": windows,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        deployment_group_id = UUID(d.pop("deployment_group_id"))

        windows = cast(list[str], d.pop("windows"))

        group_windows = cls(
            deployment_group_id=deployment_group_id,
            windows=windows,
        )

        group_windows.additional_properties = d
        return group_windows

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
