from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateDeployment")


@_attrs_define
class CreateDeployment:
    """
    Attributes:
        application (str):
        deployment_group (str):
        revision (UUID): Revision id (UUID) as returned by a revision push.
        config (None | str | Unset): Deployment configuration for this deployment (default: the group's).
        description (None | str | Unset):
        file_exists_behavior (None | str | Unset): What Install does with a file already at a destination that the
            previous deployment did
            not install, overriding the appspec's `file_exists_behavior` (CodeDeploy's
            `create-deployment --file-exists-behavior`): `DISALLOW`, `OVERWRITE` or `RETAIN`.
            Absent: the appspec's, else `DISALLOW`.
    """

    application: str
    deployment_group: str
    revision: UUID
    config: None | str | Unset = UNSET
    description: None | str | Unset = UNSET
    file_exists_behavior: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        application = self.application

        deployment_group = self.deployment_group

        revision = str(self.revision)

        config: None | str | Unset
        if isinstance(self.config, Unset):
            config = UNSET
        else:
            config = self.config

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        file_exists_behavior: None | str | Unset
        if isinstance(self.file_exists_behavior, Unset):
            file_exists_behavior = UNSET
        else:
            file_exists_behavior = self.file_exists_behavior

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "application": application,
                "deployment_group": deployment_group,
                "revision": revision,
            }
        )
        if config is not UNSET:
            field_dict["config"] = config
        if description is not UNSET:
            field_dict["description"] = description
        if file_exists_behavior is not UNSET:
            field_dict["file_exists_behavior"] = file_exists_behavior

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        application = d.pop("application")

        deployment_group = d.pop("deployment_group")

        revision = UUID(d.pop("revision"))

        def _parse_config(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        config = _parse_config(d.pop("config", UNSET))

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        def _parse_file_exists_behavior(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        file_exists_behavior = _parse_file_exists_behavior(d.pop("file_exists_behavior", UNSET))

        create_deployment = cls(
            application=application,
            deployment_group=deployment_group,
            revision=revision,
            config=config,
            description=description,
            file_exists_behavior=file_exists_behavior,
        )

        return create_deployment
