from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.revocation import Revocation


T = TypeVar("T", bound="RevocationPage")


@_attrs_define
class RevocationPage:
    """A page of the feed: apply `revocations` in order, then ask again after `next_after`.

    Attributes:
        more (bool): More entries follow `next_after` right now.
        next_after (int):
        revocations (list[Revocation]):
    """

    more: bool
    next_after: int
    revocations: list[Revocation]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        more = self.more

        next_after = self.next_after

        revocations = []
        for revocations_item_data in self.revocations:
            revocations_item = revocations_item_data.to_dict()
            revocations.append(revocations_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "more": more,
                "next_after": next_after,
                "revocations": revocations,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.revocation import Revocation  # noqa: PLC0415

        d = dict(src_dict)
        more = d.pop("more")

        next_after = d.pop("next_after")

        revocations = []
        _revocations = d.pop("revocations")
        for revocations_item_data in _revocations:
            revocations_item = Revocation.from_dict(revocations_item_data)

            revocations.append(revocations_item)

        revocation_page = cls(
            more=more,
            next_after=next_after,
            revocations=revocations,
        )

        revocation_page.additional_properties = d
        return revocation_page

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
