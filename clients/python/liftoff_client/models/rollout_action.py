from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RolloutAction")


@_attrs_define
class RolloutAction:
    """An operator's action on a running rollout (service credential; `actor` is who asked).

    Attributes:
        actor (None | str | Unset):
        hosts (list[UUID] | Unset): `retry-failed`: only these failed hosts (default: every failed host).
    """

    actor: None | str | Unset = UNSET
    hosts: list[UUID] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        actor: None | str | Unset
        if isinstance(self.actor, Unset):
            actor = UNSET
        else:
            actor = self.actor

        hosts: list[str] | Unset = UNSET
        if not isinstance(self.hosts, Unset):
            hosts = []
            for hosts_item_data in self.hosts:
                hosts_item = str(hosts_item_data)
                hosts.append(hosts_item)

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if actor is not UNSET:
            field_dict["actor"] = actor
        if hosts is not UNSET:
            field_dict["hosts"] = hosts

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_actor(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        actor = _parse_actor(d.pop("actor", UNSET))

        _hosts = d.pop("hosts", UNSET)
        hosts: list[UUID] | Unset = UNSET
        if _hosts is not UNSET:
            hosts = []
            for hosts_item_data in _hosts:
                hosts_item = UUID(hosts_item_data)

                hosts.append(hosts_item)

        rollout_action = cls(
            actor=actor,
            hosts=hosts,
        )

        return rollout_action
