from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="HeardFeedResponse")


@_attrs_define
class HeardFeedResponse:
    """
    Attributes:
        heartbeat_interval_secs (int): The interval the registry gives agents now.
        poll_wait_secs (int): The longest long poll that counts as a heartbeat (see `HeartbeatResponse`); 0 when
            polls do not count (a grace too short).
        heartbeat_now (list[UUID] | Unset): Hosts the registry has something for (a scale-in request): they should
            heartbeat now.
    """

    heartbeat_interval_secs: int
    poll_wait_secs: int
    heartbeat_now: list[UUID] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        heartbeat_interval_secs = self.heartbeat_interval_secs

        poll_wait_secs = self.poll_wait_secs

        heartbeat_now: list[str] | Unset = UNSET
        if not isinstance(self.heartbeat_now, Unset):
            heartbeat_now = []
            for heartbeat_now_item_data in self.heartbeat_now:
                heartbeat_now_item = str(heartbeat_now_item_data)
                heartbeat_now.append(heartbeat_now_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "heartbeat_interval_secs": heartbeat_interval_secs,
                "poll_wait_secs": poll_wait_secs,
            }
        )
        if heartbeat_now is not UNSET:
            field_dict["heartbeat_now"] = heartbeat_now

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        heartbeat_interval_secs = d.pop("heartbeat_interval_secs")

        poll_wait_secs = d.pop("poll_wait_secs")

        _heartbeat_now = d.pop("heartbeat_now", UNSET)
        heartbeat_now: list[UUID] | Unset = UNSET
        if _heartbeat_now is not UNSET:
            heartbeat_now = []
            for heartbeat_now_item_data in _heartbeat_now:
                heartbeat_now_item = UUID(heartbeat_now_item_data)

                heartbeat_now.append(heartbeat_now_item)

        heard_feed_response = cls(
            heartbeat_interval_secs=heartbeat_interval_secs,
            poll_wait_secs=poll_wait_secs,
            heartbeat_now=heartbeat_now,
        )

        heard_feed_response.additional_properties = d
        return heard_feed_response

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
