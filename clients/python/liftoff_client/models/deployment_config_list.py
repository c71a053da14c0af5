from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.deployment_config import DeploymentConfig


T = TypeVar("T", bound="DeploymentConfigList")


@_attrs_define
class DeploymentConfigList:
    """
    Attributes:
        deployment_configs (list[DeploymentConfig]):
    """

    deployment_configs: list[DeploymentConfig]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        deployment_configs = []
        for deployment_configs_item_data in self.deployment_configs:
            deployment_configs_item = deployment_configs_item_data.to_dict()
            deployment_configs.append(deployment_configs_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "deployment_configs": deployment_configs,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.deployment_config import DeploymentConfig  # noqa: PLC0415

        d = dict(src_dict)
        deployment_configs = []
        _deployment_configs = d.pop("deployment_configs")
        for deployment_configs_item_data in _deployment_configs:
            deployment_configs_item = DeploymentConfig.from_dict(deployment_configs_item_data)

            deployment_configs.append(deployment_configs_item)

        deployment_config_list = cls(
            deployment_configs=deployment_configs,
        )

        deployment_config_list.additional_properties = d
        return deployment_config_list

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
