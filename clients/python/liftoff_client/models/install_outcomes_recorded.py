from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="InstallOutcomesRecorded")


@_attrs_define
class InstallOutcomesRecorded:
    """
    Attributes:
        accepted (int): Outcomes seen for the first time: applied to the installs they conclude, or kept until
            those installs are recorded.
        ignored (int): Outcomes already received (the same `event_id`), or about a host this registry does
            not hold for that team or has no install waiting on: nothing changed.
    """

    accepted: int
    ignored: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        accepted = self.accepted

        ignored = self.ignored

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "accepted": accepted,
                "ignored": ignored,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        accepted = d.pop("accepted")

        ignored = d.pop("ignored")

        install_outcomes_recorded = cls(
            accepted=accepted,
            ignored=ignored,
        )

        install_outcomes_recorded.additional_properties = d
        return install_outcomes_recorded

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
