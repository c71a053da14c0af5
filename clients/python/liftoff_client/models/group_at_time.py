from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.group_deployment_at import GroupDeploymentAt
    from ..models.host_revision_at import HostRevisionAt


T = TypeVar("T", bound="GroupAtTime")


@_attrs_define
class GroupAtTime:
    """A deployment group at time `at`: each host's revision, and the group's target.

    Attributes:
        application (str):
        at (datetime.datetime):
        deployment_group (str):
        hosts (list[HostRevisionAt]): Hosts whose revision of the application at `at` came from a deployment of this
            group.
        last_successful_revision_id (None | Unset | UUID): The revision of the group's latest deployment that had
            succeeded by `at`.
        next_cursor (None | str | Unset):
        target_deployment (GroupDeploymentAt | None | Unset):
        target_revision_id (None | Unset | UUID): The revision of the group's latest deployment started at or before
            `at`.
    """

    application: str
    at: datetime.datetime
    deployment_group: str
    hosts: list[HostRevisionAt]
    last_successful_revision_id: None | Unset | UUID = UNSET
    next_cursor: None | str | Unset = UNSET
    target_deployment: GroupDeploymentAt | None | Unset = UNSET
    target_revision_id: None | Unset | UUID = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.group_deployment_at import GroupDeploymentAt  # noqa: PLC0415

        application = self.application

        at = self.at.isoformat()

        deployment_group = self.deployment_group

        hosts = []
        for hosts_item_data in self.hosts:
            hosts_item = hosts_item_data.to_dict()
            hosts.append(hosts_item)

        last_successful_revision_id: None | str | Unset
        if isinstance(self.last_successful_revision_id, Unset):
            last_successful_revision_id = UNSET
        elif isinstance(self.last_successful_revision_id, UUID):
            last_successful_revision_id = str(self.last_successful_revision_id)
        else:
            last_successful_revision_id = self.last_successful_revision_id

        next_cursor: None | str | Unset
        if isinstance(self.next_cursor, Unset):
            next_cursor = UNSET
        else:
            next_cursor = self.next_cursor

        target_deployment: dict[str, Any] | None | Unset
        if isinstance(self.target_deployment, Unset):
            target_deployment = UNSET
        elif isinstance(self.target_deployment, GroupDeploymentAt):
            target_deployment = self.target_deployment.to_dict()
        else:
            target_deployment = self.target_deployment

        target_revision_id: None | str | Unset
        if isinstance(self.target_revision_id, Unset):
            target_revision_id = UNSET
        elif isinstance(self.target_revision_id, UUID):
            target_revision_id = str(self.target_revision_id)
        else:
            target_revision_id = self.target_revision_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "application": application,
                "at": at,
                "deployment_group": deployment_group,
                "hosts": hosts,
            }
        )
        if last_successful_revision_id is not UNSET:
            field_dict["last_successful_revision_id"] = last_successful_revision_id
        if next_cursor is not UNSET:
            field_dict["next_cursor"] = next_cursor
        if target_deployment is not UNSET:
            field_dict["target_deployment"] = target_deployment
        if target_revision_id is not UNSET:
            field_dict["target_revision_id"] = target_revision_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.group_deployment_at import GroupDeploymentAt  # noqa: PLC0415
        from ..models.host_revision_at import HostRevisionAt  # noqa: PLC0415

        d = dict(src_dict)
        application = d.pop("application")

        at = datetime.datetime.fromisoformat(d.pop("at"))

        deployment_group = d.pop("deployment_group")

        hosts = []
        _hosts = d.pop("hosts")
        for hosts_item_data in _hosts:
            hosts_item = HostRevisionAt.from_dict(hosts_item_data)

            hosts.append(hosts_item)

        def _parse_last_successful_revision_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_successful_revision_id_type_0 = UUID(data)

                return last_successful_revision_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        last_successful_revision_id = _parse_last_successful_revision_id(d.pop("last_successful_revision_id", UNSET))

        def _parse_next_cursor(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        next_cursor = _parse_next_cursor(d.pop("next_cursor", UNSET))

        def _parse_target_deployment(data: object) -> GroupDeploymentAt | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                target_deployment_type_0 = GroupDeploymentAt.from_dict(data)

                return target_deployment_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(GroupDeploymentAt | None | Unset, data)

        target_deployment = _parse_target_deployment(d.pop("target_deployment", UNSET))

        def _parse_target_revision_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                target_revision_id_type_0 = UUID(data)

                return target_revision_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        target_revision_id = _parse_target_revision_id(d.pop("target_revision_id", UNSET))

        group_at_time = cls(
            application=application,
            at=at,
            deployment_group=deployment_group,
            hosts=hosts,
            last_successful_revision_id=last_successful_revision_id,
            next_cursor=next_cursor,
            target_deployment=target_deployment,
            target_revision_id=target_revision_id,
        )

        group_at_time.additional_properties = d
        return group_at_time

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
