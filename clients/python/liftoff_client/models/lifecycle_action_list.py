from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.lifecycle_action import LifecycleAction


T = TypeVar("T", bound="LifecycleActionList")


@_attrs_define
class LifecycleActionList:
    """
    Attributes:
        lifecycle_actions (list[LifecycleAction]):
    """

    lifecycle_actions: list[LifecycleAction]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        lifecycle_actions = []
        for lifecycle_actions_item_data in self.lifecycle_actions:
            lifecycle_actions_item = lifecycle_actions_item_data.to_dict()
            lifecycle_actions.append(lifecycle_actions_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "lifecycle_actions": lifecycle_actions,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.lifecycle_action import LifecycleAction  # noqa: PLC0415

        d = dict(src_dict)
        lifecycle_actions = []
        _lifecycle_actions = d.pop("lifecycle_actions")
        for lifecycle_actions_item_data in _lifecycle_actions:
            lifecycle_actions_item = LifecycleAction.from_dict(lifecycle_actions_item_data)

            lifecycle_actions.append(lifecycle_actions_item)

        lifecycle_action_list = cls(
            lifecycle_actions=lifecycle_actions,
        )

        lifecycle_action_list.additional_properties = d
        return lifecycle_action_list

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
