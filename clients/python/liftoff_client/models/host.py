from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.host_state import HostState
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.host_install import HostInstall
    from ..models.host_revision import HostRevision
    from ..models.host_tags import HostTags


T = TypeVar("T", bound="Host")


@_attrs_define
class Host:
    """
    Attributes:
        enrolled_at (datetime.datetime):
        host_id (UUID):
        name (str):
        state (HostState):
        tags (HostTags):
        team (str):
        zone (str):
        agent_version (None | str | Unset):
        installs (list[HostInstall] | Unset): The scale-out installs of the host's latest group-membership change.
        last_heartbeat_at (datetime.datetime | None | Unset):
        revisions (list[HostRevision] | Unset): The current revision of each application on this host, by application
            name: the one
            the last deployment that succeeded on the host installed (ordinary, rollback, promotion
            or scale-out). A deployment that failed on the host leaves the entry as it was.
        state_changed_at (datetime.datetime | None | Unset): When the state last changed.
        state_reason (None | str | Unset): Why the host is in its state (e.g. the install failure), when there is more
            to say.
    """

    enrolled_at: datetime.datetime
    host_id: UUID
    name: str
    state: HostState
    tags: HostTags
    team: str
    zone: str
    agent_version: None | str | Unset = UNSET
    installs: list[HostInstall] | Unset = UNSET
    last_heartbeat_at: datetime.datetime | None | Unset = UNSET
    revisions: list[HostRevision] | Unset = UNSET
    state_changed_at: datetime.datetime | None | Unset = UNSET
    state_reason: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        enrolled_at = self.enrolled_at.isoformat()

        host_id = str(self.host_id)

        name = self.name

        state = self.state.value

        tags = self.tags.to_dict()

        team = self.team

        zone = self.zone

        agent_version: None | str | Unset
        if isinstance(self.agent_version, Unset):
            agent_version = UNSET
        else:
            agent_version = self.agent_version

        installs: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.installs, Unset):
            installs = []
            for installs_item_data in self.installs:
                installs_item = installs_item_data.to_dict()
                installs.append(installs_item)

        last_heartbeat_at: None | str | Unset
        if isinstance(self.last_heartbeat_at, Unset):
            last_heartbeat_at = UNSET
        elif isinstance(self.last_heartbeat_at, datetime.datetime):
            last_heartbeat_at = self.last_heartbeat_at.isoformat()
        else:
            last_heartbeat_at = self.last_heartbeat_at

        revisions: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.revisions, Unset):
            revisions = []
            for revisions_item_data in self.revisions:
                revisions_item = revisions_item_data.to_dict()
                revisions.append(revisions_item)

        state_changed_at: None | str | Unset
        if isinstance(self.state_changed_at, Unset):
            state_changed_at = UNSET
        elif isinstance(self.state_changed_at, datetime.datetime):
            state_changed_at = self.state_changed_at.isoformat()
        else:
            state_changed_at = self.state_changed_at

        state_reason: None | str | Unset
        if isinstance(self.state_reason, Unset):
            state_reason = UNSET
        else:
            state_reason = self.state_reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "enrolled_at": enrolled_at,
                "host_id": host_id,
                "name": name,
                "state": state,
                "tags": tags,
                "team": team,
                "zone": zone,
            }
        )
        if agent_version is not UNSET:
            field_dict["agent_version"] = agent_version
        if installs is not UNSET:
            field_dict["installs"] = installs
        if last_heartbeat_at is not UNSET:
            field_dict["last_heartbeat_at"] = last_heartbeat_at
        if revisions is not UNSET:
            field_dict["revisions"] = revisions
        if state_changed_at is not UNSET:
            field_dict["state_changed_at"] = state_changed_at
        if state_reason is not UNSET:
            field_dict["state_reason"] = state_reason

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.host_install import HostInstall  # noqa: PLC0415
        from ..models.host_revision import HostRevision  # noqa: PLC0415
        from ..models.host_tags import HostTags  # noqa: PLC0415

        d = dict(src_dict)
        enrolled_at = datetime.datetime.fromisoformat(d.pop("enrolled_at"))

        host_id = UUID(d.pop("host_id"))

        name = d.pop("name")

        state = HostState(d.pop("state"))

        tags = HostTags.from_dict(d.pop("tags"))

        team = d.pop("team")

        zone = d.pop("zone")

        def _parse_agent_version(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        agent_version = _parse_agent_version(d.pop("agent_version", UNSET))

        _installs = d.pop("installs", UNSET)
        installs: list[HostInstall] | Unset = UNSET
        if _installs is not UNSET:
            installs = []
            for installs_item_data in _installs:
                installs_item = HostInstall.from_dict(installs_item_data)

                installs.append(installs_item)

        def _parse_last_heartbeat_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_heartbeat_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_heartbeat_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        last_heartbeat_at = _parse_last_heartbeat_at(d.pop("last_heartbeat_at", UNSET))

        _revisions = d.pop("revisions", UNSET)
        revisions: list[HostRevision] | Unset = UNSET
        if _revisions is not UNSET:
            revisions = []
            for revisions_item_data in _revisions:
                revisions_item = HostRevision.from_dict(revisions_item_data)

                revisions.append(revisions_item)

        def _parse_state_changed_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                state_changed_at_type_0 = datetime.datetime.fromisoformat(data)

                return state_changed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        state_changed_at = _parse_state_changed_at(d.pop("state_changed_at", UNSET))

        def _parse_state_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        state_reason = _parse_state_reason(d.pop("state_reason", UNSET))

        host = cls(
            enrolled_at=enrolled_at,
            host_id=host_id,
            name=name,
            state=state,
            tags=tags,
            team=team,
            zone=zone,
            agent_version=agent_version,
            installs=installs,
            last_heartbeat_at=last_heartbeat_at,
            revisions=revisions,
            state_changed_at=state_changed_at,
            state_reason=state_reason,
        )

        host.additional_properties = d
        return host

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
