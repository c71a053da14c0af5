from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.enrollment_token import EnrollmentToken


T = TypeVar("T", bound="EnrollmentTokenList")


@_attrs_define
class EnrollmentTokenList:
    """
    Attributes:
        enrollment_tokens (list[EnrollmentToken]):
    """

    enrollment_tokens: list[EnrollmentToken]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        enrollment_tokens = []
        for enrollment_tokens_item_data in self.enrollment_tokens:
            enrollment_tokens_item = enrollment_tokens_item_data.to_dict()
            enrollment_tokens.append(enrollment_tokens_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "enrollment_tokens": enrollment_tokens,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.enrollment_token import EnrollmentToken  # noqa: PLC0415

        d = dict(src_dict)
        enrollment_tokens = []
        _enrollment_tokens = d.pop("enrollment_tokens")
        for enrollment_tokens_item_data in _enrollment_tokens:
            enrollment_tokens_item = EnrollmentToken.from_dict(enrollment_tokens_item_data)

            enrollment_tokens.append(enrollment_tokens_item)

        enrollment_token_list = cls(
            enrollment_tokens=enrollment_tokens,
        )

        enrollment_token_list.additional_properties = d
        return enrollment_token_list

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
