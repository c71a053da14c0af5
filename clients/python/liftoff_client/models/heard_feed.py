from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.heard_host import HeardHost


T = TypeVar("T", bound="HeardFeed")


@_attrs_define
class HeardFeed:
    """The hosts whose long polls a scheduler replica received since its last feed (service
    credential): each counts as a heartbeat of its host, heard `age_ms` before the feed arrived.

        Attributes:
            replica (str): The sending replica: the registry notices when a replica's feed stops.
            hosts (list[HeardHost] | Unset): At most [`HeardFeed::MAX_HOSTS`].
    """

    replica: str
    hosts: list[HeardHost] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        replica = self.replica

        hosts: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.hosts, Unset):
            hosts = []
            for hosts_item_data in self.hosts:
                hosts_item = hosts_item_data.to_dict()
                hosts.append(hosts_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "replica": replica,
            }
        )
        if hosts is not UNSET:
            field_dict["hosts"] = hosts

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.heard_host import HeardHost  # noqa: PLC0415

        d = dict(src_dict)
        replica = d.pop("replica")

        _hosts = d.pop("hosts", UNSET)
        hosts: list[HeardHost] | Unset = UNSET
        if _hosts is not UNSET:
            hosts = []
            for hosts_item_data in _hosts:
                hosts_item = HeardHost.from_dict(hosts_item_data)

                hosts.append(hosts_item)

        heard_feed = cls(
            replica=replica,
            hosts=hosts,
        )

        return heard_feed
