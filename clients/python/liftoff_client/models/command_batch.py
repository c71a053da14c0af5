from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.agent_command import AgentCommand


T = TypeVar("T", bound="CommandBatch")


@_attrs_define
class CommandBatch:
    """
    Attributes:
        commands (list[AgentCommand]):
        heard (bool | Unset): The scheduler's feed to the registry still worked when the poll was answered (the
            `Liftoff-Heard` header, sent when the poll arrived, said whether it counts as the
            host's heartbeat). While polls count, and come at least every `poll_wait_secs`, the
            agent need not heartbeat.
        heartbeat_interval_secs (int | None | Unset): The registry's heartbeat interval, as it last told the scheduler.
        heartbeat_now (bool | Unset): The registry has something for this host (a scale-in request): heartbeat now.
        poll_wait_secs (int | None | Unset): The longest poll that counts as a heartbeat, as the registry last told the
            scheduler.
    """

    commands: list[AgentCommand]
    heard: bool | Unset = UNSET
    heartbeat_interval_secs: int | None | Unset = UNSET
    heartbeat_now: bool | Unset = UNSET
    poll_wait_secs: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        commands = []
        for commands_item_data in self.commands:
            commands_item = commands_item_data.to_dict()
            commands.append(commands_item)

        heard = self.heard

        heartbeat_interval_secs: int | None | Unset
        if isinstance(self.heartbeat_interval_secs, Unset):
            heartbeat_interval_secs = UNSET
        else:
            heartbeat_interval_secs = self.heartbeat_interval_secs

        heartbeat_now = self.heartbeat_now

        poll_wait_secs: int | None | Unset
        if isinstance(self.poll_wait_secs, Unset):
            poll_wait_secs = UNSET
        else:
            poll_wait_secs = self.poll_wait_secs

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "commands": commands,
            }
        )
        if heard is not UNSET:
            field_dict["heard"] = heard
        if heartbeat_interval_secs is not UNSET:
            field_dict["heartbeat_interval_secs"] = heartbeat_interval_secs
        if heartbeat_now is not UNSET:
            field_dict["heartbeat_now"] = heartbeat_now
        if poll_wait_secs is not UNSET:
            field_dict["poll_wait_secs"] = poll_wait_secs

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.agent_command import AgentCommand  # noqa: PLC0415

        d = dict(src_dict)
        commands = []
        _commands = d.pop("commands")
        for commands_item_data in _commands:
            commands_item = AgentCommand.from_dict(commands_item_data)

            commands.append(commands_item)

        heard = d.pop("heard", UNSET)

        def _parse_heartbeat_interval_secs(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        heartbeat_interval_secs = _parse_heartbeat_interval_secs(d.pop("heartbeat_interval_secs", UNSET))

        heartbeat_now = d.pop("heartbeat_now", UNSET)

        def _parse_poll_wait_secs(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        poll_wait_secs = _parse_poll_wait_secs(d.pop("poll_wait_secs", UNSET))

        command_batch = cls(
            commands=commands,
            heard=heard,
            heartbeat_interval_secs=heartbeat_interval_secs,
            heartbeat_now=heartbeat_now,
            poll_wait_secs=poll_wait_secs,
        )

        command_batch.additional_properties = d
        return command_batch

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
