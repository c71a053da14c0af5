from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="HistoryEvent")


@_attrs_define
class HistoryEvent:
    """One thing that happened, as a service's outbox delivers it. `event_id` makes delivery idempotent.

    Attributes:
        event_id (UUID):
        event_type (str): Dotted type, e.g. `deployment.created`, `host.event_finished`, `host.deployment_succeeded`.
        occurred_at (datetime.datetime):
        source (str): The service that recorded it: `deployment-api`, `scheduler`, `host-registry`.
        actor (None | str | Unset): Token subject that caused it, if a person or pipeline did.
        application (None | str | Unset):
        data (Any | Unset): Event-specific detail.
        deployment_group (None | str | Unset):
        deployment_id (None | Unset | UUID):
        host_id (None | Unset | UUID):
        revision_id (None | Unset | UUID):
        team (None | str | Unset):
    """

    event_id: UUID
    event_type: str
    occurred_at: datetime.datetime
    source: str
    actor: None | str | Unset = UNSET
    application: None | str | Unset = UNSET
    data: Any | Unset = UNSET
    deployment_group: None | str | Unset = UNSET
    deployment_id: None | Unset | UUID = UNSET
    host_id: None | Unset | UUID = UNSET
    revision_id: None | Unset | UUID = UNSET
    team: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        event_id = str(self.event_id)

        event_type = self.event_type

        occurred_at = self.occurred_at.isoformat()

        source = self.source

        actor: None | str | Unset
        if isinstance(self.actor, Unset):
            actor = UNSET
        else:
            actor = self.actor

        application: None | str | Unset
        if isinstance(self.application, Unset):
            application = UNSET
        else:
            application = self.application

        data = self.data

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

        field_dict.update(
            {
                "event_id": event_id,
                "event_type": event_type,
                "occurred_at": occurred_at,
                "source": source,
            }
        )
        if actor is not UNSET:
            field_dict["actor"] = actor
        if application is not UNSET:
            field_dict["application"] = application
        if data is not UNSET:
            field_dict["data"] = data
        if deployment_group is not UNSET:
            field_dict["deployment_group"] = deployment_group
        if deployment_id is not UNSET:
            field_dict["deployment_id"] = deployment_id
        if host_id is not UNSET:
            field_dict["host_id"] = host_id
        if revision_id is not UNSET:
            field_dict["revision_id"] = revision_id
        if team is not UNSET:
            field_dict["team"] = team

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        event_id = UUID(d.pop("event_id"))

        event_type = d.pop("event_type")

        occurred_at = datetime.datetime.fromisoformat(d.pop("occurred_at"))

        source = d.pop("source")

        def _parse_actor(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        actor = _parse_actor(d.pop("actor", UNSET))

        def _parse_application(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        application = _parse_application(d.pop("application", UNSET))

        data = d.pop("data", UNSET)

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

        history_event = cls(
            event_id=event_id,
            event_type=event_type,
            occurred_at=occurred_at,
            source=source,
            actor=actor,
            application=application,
            data=data,
            deployment_group=deployment_group,
            deployment_id=deployment_id,
            host_id=host_id,
            revision_id=revision_id,
            team=team,
        )

        return history_event
