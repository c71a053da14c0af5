from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="AuditEntry")


@_attrs_define
class AuditEntry:
    """Who did what, when, to which object.

    Attributes:
        action (str): The event type, e.g. `deployment.created`.
        actor (str): Token subject.
        data (Any):
        object_type (str): `application`, `deployment_group`, `revision`, `deployment`, `host`, `enrollment_token`, ...
        occurred_at (datetime.datetime):
        seq (int): Position in the event log; stable ordering key.
        source (str): The service that recorded it.
        application (None | str | Unset):
        deployment_group (None | str | Unset):
        deployment_id (None | Unset | UUID):
        host_id (None | Unset | UUID):
        object_id (None | str | Unset): The object's id or name (`application/group` for a group).
        revision_id (None | Unset | UUID):
        team (None | str | Unset):
    """

    action: str
    actor: str
    data: Any
    object_type: str
    occurred_at: datetime.datetime
    seq: int
    source: str
    application: None | str | Unset = UNSET
    deployment_group: None | str | Unset = UNSET
    deployment_id: None | Unset | UUID = UNSET
    host_id: None | Unset | UUID = UNSET
    object_id: None | str | Unset = UNSET
    revision_id: None | Unset | UUID = UNSET
    team: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        action = self.action

        actor = self.actor

        data = self.data

        object_type = self.object_type

        occurred_at = self.occurred_at.isoformat()

        seq = self.seq

        source = self.source

        application: None | str | Unset
        if isinstance(self.application, Unset):
            application = UNSET
        else:
            application = self.application

        deployment_group: None | str | Unset
        if isinstance(self.deployment_group, Unset):
            deployment_group = UNSET
        else:
            deployment_group = self.deployment_group

        deployment_id: None | str | Unset
        if isinstance(self.deployment_id, Unset):
            deployment_id = UNSET
        elif isinstance(self.deployment_id, UUID):
            deployment_id = str(self.deployment_id)
        else:
            deployment_id = self.deployment_id

        host_id: None | str | Unset
        if isinstance(self.host_id, Unset):
            host_id = UNSET
        elif isinstance(self.host_id, UUID):
            host_id = str(self.host_id)
        else:
            host_id = self.host_id

        object_id: None | str | Unset
        if isinstance(self.object_id, Unset):
            object_id = UNSET
        else:
            object_id = self.object_id

        revision_id: None | str | Unset
        if isinstance(self.revision_id, Unset):
            revision_id = UNSET
        elif isinstance(self.revision_id, UUID):
            revision_id = str(self.revision_id)
        else:
            revision_id = self.revision_id

        team: None | str | Unset
        if isinstance(self.team, Unset):
            team = UNSET
        else:
            team = self.team

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "actor": actor,
                "data": data,
                "object_type": object_type,
                "occurred_at": occurred_at,
                "seq": seq,
                "source": source,
            }
        )
        if application is not UNSET:
            field_dict["application"] = application
        if deployment_group is not UNSET:
            field_dict["deployment_group"] = deployment_group
        if deployment_id is not UNSET:
            field_dict["deployment_id"] = deployment_id
        if host_id is not UNSET:
            field_dict["host_id"] = host_id
        if object_id is not UNSET:
            field_dict["object_id"] = object_id
        if revision_id is not UNSET:
            field_dict["revision_id"] = revision_id
        if team is not UNSET:
            field_dict["team"] = team

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        action = d.pop("action")

        actor = d.pop("actor")

        data = d.pop("data")

        object_type = d.pop("object_type")

        occurred_at = datetime.datetime.fromisoformat(d.pop("occurred_at"))

        seq = d.pop("seq")

        source = d.pop("source")

        def _parse_application(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        application = _parse_application(d.pop("application", UNSET))

        def _parse_deployment_group(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        deployment_group = _parse_deployment_group(d.pop("deployment_group", UNSET))

        def _parse_deployment_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                deployment_id_type_0 = UUID(data)

                return deployment_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        deployment_id = _parse_deployment_id(d.pop("deployment_id", UNSET))

        def _parse_host_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                host_id_type_0 = UUID(data)

                return host_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        host_id = _parse_host_id(d.pop("host_id", UNSET))

        def _parse_object_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        object_id = _parse_object_id(d.pop("object_id", UNSET))

        def _parse_revision_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                revision_id_type_0 = UUID(data)

                return revision_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        revision_id = _parse_revision_id(d.pop("revision_id", UNSET))

        def _parse_team(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        team = _parse_team(d.pop("team", UNSET))

        audit_entry = cls(
            action=action,
            actor=actor,
            data=data,
            object_type=object_type,
            occurred_at=occurred_at,
            seq=seq,
            source=source,
            application=application,
            deployment_group=deployment_group,
            deployment_id=deployment_id,
            host_id=host_id,
            object_id=object_id,
            revision_id=revision_id,
            team=team,
        )

        audit_entry.additional_properties = d
        return audit_entry

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
