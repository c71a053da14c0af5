from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.scale_out_install import ScaleOutInstall


T = TypeVar("T", bound="ScaleOutPlan")


@_attrs_define
class ScaleOutPlan:
    """Groups the host entered with nothing to install (no successful revision, nothing running)
    are not listed; an empty list means the host may go into service at once.

        Attributes:
            installs (list[ScaleOutInstall]):
    """

    installs: list[ScaleOutInstall]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        installs = []
        for installs_item_data in self.installs:
            installs_item = installs_item_data.to_dict()
            installs.append(installs_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "installs": installs,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.scale_out_install import ScaleOutInstall  # noqa: PLC0415

        d = dict(src_dict)
        installs = []
        _installs = d.pop("installs")
        for installs_item_data in _installs:
            installs_item = ScaleOutInstall.from_dict(installs_item_data)

            installs.append(installs_item)

        scale_out_plan = cls(
            installs=installs,
        )

        scale_out_plan.additional_properties = d
        return scale_out_plan

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
