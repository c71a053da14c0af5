from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.host_overview import HostOverview


T = TypeVar("T", bound="ZoneOverview")


@_attrs_define
class ZoneOverview:
    """One zone's hosts of a deployment, counted by state.

    Attributes:
        hosts (HostOverview):
        zone (str):
    """

    hosts: HostOverview
    zone: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        hosts = self.hosts.to_dict()

        zone = self.zone

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "hosts": hosts,
                "zone": zone,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.host_overview import HostOverview  # noqa: PLC0415

        d = dict(src_dict)
        hosts = HostOverview.from_dict(d.pop("hosts"))

        zone = d.pop("zone")

        zone_overview = cls(
            hosts=hosts,
            zone=zone,
        )

        zone_overview.additional_properties = d
        return zone_overview

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
