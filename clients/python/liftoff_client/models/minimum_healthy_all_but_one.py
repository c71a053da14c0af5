from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.minimum_healthy_all_but_one_type import MinimumHealthyAllButOneType

T = TypeVar("T", bound="MinimumHealthyAllButOne")


@_attrs_define
class MinimumHealthyAllButOne:
    """All hosts but one stay healthy: one host at a time (`OneAtATime`).

    Attributes:
        type_ (MinimumHealthyAllButOneType):
    """

    type_: MinimumHealthyAllButOneType
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = MinimumHealthyAllButOneType(d.pop("type"))

        minimum_healthy_all_but_one = cls(
            type_=type_,
        )

        minimum_healthy_all_but_one.additional_properties = d
        return minimum_healthy_all_but_one

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
