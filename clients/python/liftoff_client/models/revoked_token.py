from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.token_record import TokenRecord


T = TypeVar("T", bound="RevokedToken")


@_attrs_define
class RevokedToken:
    """The answer to a revocation: the token's record, or for a token this API never minted (the
    admin token of `liftoff up`, a host credential) only its id.

        Attributes:
            jti (str):
            revoked_at (datetime.datetime):
            record (None | TokenRecord | Unset):
    """

    jti: str
    revoked_at: datetime.datetime
    record: None | TokenRecord | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.token_record import TokenRecord  # noqa: PLC0415

        jti = self.jti

        revoked_at = self.revoked_at.isoformat()

        record: dict[str, Any] | None | Unset
        if isinstance(self.record, Unset):
            record = UNSET
        elif isinstance(self.record, TokenRecord):
            record = self.record.to_dict()
        else:
            record = self.record

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "jti": jti,
                "revoked_at": revoked_at,
            }
        )
        if record is not UNSET:
            field_dict["record"] = record

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.token_record import TokenRecord  # noqa: PLC0415

        d = dict(src_dict)
        jti = d.pop("jti")

        revoked_at = datetime.datetime.fromisoformat(d.pop("revoked_at"))

        def _parse_record(data: object) -> None | TokenRecord | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                record_type_0 = TokenRecord.from_dict(data)

                return record_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TokenRecord | Unset, data)

        record = _parse_record(d.pop("record", UNSET))

        revoked_token = cls(
            jti=jti,
            revoked_at=revoked_at,
            record=record,
        )

        revoked_token.additional_properties = d
        return revoked_token

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
