from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RetryFailedHosts")


@_attrs_define
class RetryFailedHosts:
    """Which failed hosts to retry (default: all of them).

    Attributes:
        hosts (list[UUID] | Unset):
    """

    hosts: list[UUID] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        hosts: list[str] | Unset = UNSET
        if not isinstance(self.hosts, Unset):
            hosts = []
            for hosts_item_data in self.hosts:
                hosts_item = str(hosts_item_data)
                hosts.append(hosts_item)

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if hosts is not UNSET:
            field_dict["hosts"] = hosts

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _hosts = d.pop("hosts", UNSET)
        hosts: list[UUID] | Unset = UNSET
        if _hosts is not UNSET:
            hosts = []
            for hosts_item_data in _hosts:
                hosts_item = UUID(hosts_item_data)

                hosts.append(hosts_item)

        retry_failed_hosts = cls(
            hosts=hosts,
        )

        return retry_failed_hosts
