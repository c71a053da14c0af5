from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.host_state import HostState
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.host_command import HostCommand


T = TypeVar("T", bound="HeartbeatResponse")


@_attrs_define
class HeartbeatResponse:
    """
    Attributes:
        heartbeat_interval_secs (int):
        state (HostState):
        commands (list[HostCommand] | Unset): Work the registry asks of the agent (scale-in: stop the application).
    """

    heartbeat_interval_secs: int
    state: HostState
    commands: list[HostCommand] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        heartbeat_interval_secs = self.heartbeat_interval_secs

        state = self.state.value

        commands: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.commands, Unset):
            commands = []
            for commands_item_data in self.commands:
                commands_item = commands_item_data.to_dict()
                commands.append(commands_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "heartbeat_interval_secs": heartbeat_interval_secs,
                "state": state,
            }
        )
        if commands is not UNSET:
            field_dict["commands"] = commands

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.host_command import HostCommand  # noqa: PLC0415

        d = dict(src_dict)
        heartbeat_interval_secs = d.pop("heartbeat_interval_secs")

        state = HostState(d.pop("state"))

        _commands = d.pop("commands", UNSET)
        commands: list[HostCommand] | Unset = UNSET
        if _commands is not UNSET:
            commands = []
            for commands_item_data in _commands:
                commands_item = HostCommand.from_dict(commands_item_data)

                commands.append(commands_item)

        heartbeat_response = cls(
            heartbeat_interval_secs=heartbeat_interval_secs,
            state=state,
            commands=commands,
        )

        heartbeat_response.additional_properties = d
        return heartbeat_response

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
