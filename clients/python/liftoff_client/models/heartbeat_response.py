from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

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
        poll_wait_secs (int | None | Unset): The longest long poll that still counts as this host's heartbeat: a host
            whose polls
            the scheduler passes on to the registry (the poll answer's `Liftoff-Heard` header) is
            heard within the grace when it polls at least this often, and need not heartbeat
            meanwhile.
    """

    heartbeat_interval_secs: int
    state: HostState
    commands: list[HostCommand] | Unset = UNSET
    poll_wait_secs: int | None | Unset = UNSET
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

        poll_wait_secs: int | None | Unset
        if isinstance(self.poll_wait_secs, Unset):
            poll_wait_secs = UNSET
        else:
            poll_wait_secs = self.poll_wait_secs

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
        if poll_wait_secs is not UNSET:
            field_dict["poll_wait_secs"] = poll_wait_secs

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

        def _parse_poll_wait_secs(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        poll_wait_secs = _parse_poll_wait_secs(d.pop("poll_wait_secs", UNSET))

        heartbeat_response = cls(
            heartbeat_interval_secs=heartbeat_interval_secs,
            state=state,
            commands=commands,
            poll_wait_secs=poll_wait_secs,
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
