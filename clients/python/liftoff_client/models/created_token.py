from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.team_role import TeamRole
from ..types import UNSET, Unset

T = TypeVar("T", bound="CreatedToken")


@_attrs_define
class CreatedToken:
    """A minted token: the secret is shown only in this answer and never stored.

    Attributes:
        created_at (datetime.datetime):
        created_by (str):
        expires_at (datetime.datetime):
        jti (str): The token's `jti`; revoke by it.
        platform (bool):
        role (TeamRole): What a team token may do: `viewer` reads; `deployer` also deploys, stops, rolls back and
            pushes revisions; `admin` also manages the team's applications, groups, enrollment tokens
            and tokens.
        subject (str):
        team (str):
        token (str):
        description (None | str | Unset):
        revoked_at (datetime.datetime | None | Unset):
        revoked_by (None | str | Unset):
    """

    created_at: datetime.datetime
    created_by: str
    expires_at: datetime.datetime
    jti: str
    platform: bool
    role: TeamRole
    subject: str
    team: str
    token: str
    description: None | str | Unset = UNSET
    revoked_at: datetime.datetime | None | Unset = UNSET
    revoked_by: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        created_by = self.created_by

        expires_at = self.expires_at.isoformat()

        jti = self.jti

        platform = self.platform

        role = self.role.value

        subject = self.subject

        team = self.team

        token = self.token

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

        revoked_by: None | str | Unset
        if isinstance(self.revoked_by, Unset):
            revoked_by = UNSET
        else:
            revoked_by = self.revoked_by

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "created_by": created_by,
                "expires_at": expires_at,
                "jti": jti,
                "platform": platform,
                "role": role,
                "subject": subject,
                "team": team,
                "token": token,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if revoked_at is not UNSET:
            field_dict["revoked_at"] = revoked_at
        if revoked_by is not UNSET:
            field_dict["revoked_by"] = revoked_by

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        created_by = d.pop("created_by")

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        jti = d.pop("jti")

        platform = d.pop("platform")

        role = TeamRole(d.pop("role"))

        subject = d.pop("subject")

        team = d.pop("team")

        token = d.pop("token")

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

        def _parse_revoked_by(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        revoked_by = _parse_revoked_by(d.pop("revoked_by", UNSET))

        created_token = cls(
            created_at=created_at,
            created_by=created_by,
            expires_at=expires_at,
            jti=jti,
            platform=platform,
            role=role,
            subject=subject,
            team=team,
            token=token,
            description=description,
            revoked_at=revoked_at,
            revoked_by=revoked_by,
        )

        created_token.additional_properties = d
        return created_token

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
