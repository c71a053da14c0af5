from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.minimum_healthy_fleet_percent_type import MinimumHealthyFleetPercentType

T = TypeVar("T", bound="MinimumHealthyFleetPercent")


@_attrs_define
class MinimumHealthyFleetPercent:
    """At least this percent of the fleet (rounded up to whole hosts) stays healthy.

    Attributes:
        type_ (MinimumHealthyFleetPercentType):
        value (int): At least this percent of the fleet (rounded up to whole hosts) stays healthy.
    """

    type_: MinimumHealthyFleetPercentType
    value: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_.value

        value = self.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "value": value,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = MinimumHealthyFleetPercentType(d.pop("type"))

        value = d.pop("value")

        minimum_healthy_fleet_percent = cls(
            type_=type_,
            value=value,
        )

        minimum_healthy_fleet_percent.additional_properties = d
        return minimum_healthy_fleet_percent

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
