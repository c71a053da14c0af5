from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.deployment import Deployment


T = TypeVar("T", bound="Promotion")


@_attrs_define
class Promotion:
    """
    Attributes:
        application (str):
        deployments (list[Deployment]): One deployment per group of stage `to`, each with reason `promotion`.
        from_ (str):
        revision_id (UUID):
        source_deployment_id (UUID): The deployment in `from` that made the revision the stage's last success.
        to (str):
    """

    application: str
    deployments: list[Deployment]
    from_: str
    revision_id: UUID
    source_deployment_id: UUID
    to: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        application = self.application

        deployments = []
        for deployments_item_data in self.deployments:
            deployments_item = deployments_item_data.to_dict()
            deployments.append(deployments_item)

        from_ = self.from_

        revision_id = str(self.revision_id)

        source_deployment_id = str(self.source_deployment_id)

        to = self.to

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "application": application,
                "deployments": deployments,
                "from": from_,
                "revision_id": revision_id,
                "source_deployment_id": source_deployment_id,
                "to": to,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.deployment import Deployment  # noqa: PLC0415

        d = dict(src_dict)
        application = d.pop("application")

        deployments = []
        _deployments = d.pop("deployments")
        for deployments_item_data in _deployments:
            deployments_item = Deployment.from_dict(deployments_item_data)

            deployments.append(deployments_item)

        from_ = d.pop("from")

        revision_id = UUID(d.pop("revision_id"))

        source_deployment_id = UUID(d.pop("source_deployment_id"))

        to = d.pop("to")

        promotion = cls(
            application=application,
            deployments=deployments,
            from_=from_,
            revision_id=revision_id,
            source_deployment_id=source_deployment_id,
            to=to,
        )

        promotion.additional_properties = d
        return promotion

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
