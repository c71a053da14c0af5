from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.deployment_group import DeploymentGroup


T = TypeVar("T", bound="DeploymentGroupList")


@_attrs_define
class DeploymentGroupList:
    """
    Attributes:
        deployment_groups (list[DeploymentGroup]):
    """

    deployment_groups: list[DeploymentGroup]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        deployment_groups = []
        for deployment_groups_item_data in self.deployment_groups:
            deployment_groups_item = deployment_groups_item_data.to_dict()
            deployment_groups.append(deployment_groups_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "deployment_groups": deployment_groups,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.deployment_group import DeploymentGroup  # noqa: PLC0415

        d = dict(src_dict)
        deployment_groups = []
        _deployment_groups = d.pop("deployment_groups")
        for deployment_groups_item_data in _deployment_groups:
            deployment_groups_item = DeploymentGroup.from_dict(deployment_groups_item_data)

            deployment_groups.append(deployment_groups_item)

        deployment_group_list = cls(
            deployment_groups=deployment_groups,
        )

        deployment_group_list.additional_properties = d
        return deployment_group_list

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
