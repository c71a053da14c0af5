from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.enrollment_token_tags import EnrollmentTokenTags


T = TypeVar("T", bound="EnrollmentToken")


@_attrs_define
class EnrollmentToken:
    """
    Attributes:
        created_at (datetime.datetime):
        expires_at (datetime.datetime):
        tags (EnrollmentTokenTags):
        team (str):
        token_id (UUID):
        created_by (None | str | Unset):
        description (None | str | Unset):
        revoked_at (datetime.datetime | None | Unset): Set once revoked: no host enrolls with it any more (enrolled
            hosts keep their identity).
        token (None | str | Unset): The secret; shown once, at creation.
        uses (int | Unset): Hosts enrolled with it so far.
        uses_left (int | None | Unset):
    """

    created_at: datetime.datetime
    expires_at: datetime.datetime
    tags: EnrollmentTokenTags
    team: str
    token_id: UUID
    created_by: None | str | Unset = UNSET
    description: None | str | Unset = UNSET
    revoked_at: datetime.datetime | None | Unset = UNSET
    token: None | str | Unset = UNSET
    uses: int | Unset = UNSET
    uses_left: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        expires_at = self.expires_at.isoformat()

        tags = self.tags.to_dict()

        team = self.team

        token_id = str(self.token_id)

        created_by: None | str | Unset
        if isinstance(self.created_by, Unset):
            created_by = UNSET
        else:
            created_by = self.created_by

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        revoked_at: None | str | Unset
        if isinstance(self.revoked_at, Unset):
            revoked_at = UNSET
        elif isinstance(self.revoked_at, datetime.datetime):
            revoked_at = self.revoked_at.isoformat()
        else:
            revoked_at = self.revoked_at

        token: None | str | Unset
        if isinstance(self.token, Unset):
            token = UNSET
        else:
            token = self.token

        uses = self.uses

        uses_left: int | None | Unset
        if isinstance(self.uses_left, Unset):
            uses_left = UNSET
        else:
            uses_left = self.uses_left

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "expires_at": expires_at,
                "tags": tags,
                "team": team,
                "token_id": token_id,
            }
        )
        if created_by is not UNSET:
            field_dict["created_by"] = created_by
        if description is not UNSET:
            field_dict["description"] = description
        if revoked_at is not UNSET:
            field_dict["revoked_at"] = revoked_at
        if token is not UNSET:
            field_dict["token"] = token
        if uses is not UNSET:
            field_dict["uses"] = uses
        if uses_left is not UNSET:
            field_dict["uses_left"] = uses_left

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.enrollment_token_tags import EnrollmentTokenTags  # noqa: PLC0415

        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        tags = EnrollmentTokenTags.from_dict(d.pop("tags"))

        team = d.pop("team")

        token_id = UUID(d.pop("token_id"))

        def _parse_created_by(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        created_by = _parse_created_by(d.pop("created_by", UNSET))

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        def _parse_revoked_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                revoked_at_type_0 = datetime.datetime.fromisoformat(data)

                return revoked_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        revoked_at = _parse_revoked_at(d.pop("revoked_at", UNSET))

        def _parse_token(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        token = _parse_token(d.pop("token", UNSET))

        uses = d.pop("uses", UNSET)

        def _parse_uses_left(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        uses_left = _parse_uses_left(d.pop("uses_left", UNSET))

        enrollment_token = cls(
            created_at=created_at,
            expires_at=expires_at,
            tags=tags,
            team=team,
            token_id=token_id,
            created_by=created_by,
            description=description,
            revoked_at=revoked_at,
            token=token,
            uses=uses,
            uses_left=uses_left,
        )

        enrollment_token.additional_properties = d
        return enrollment_token

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
