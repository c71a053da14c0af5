from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.team_role import TeamRole
from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateToken")


@_attrs_define
class CreateToken:
    """A token for the team in the path. The team is never taken from the body.

    Attributes:
        role (TeamRole): What a team token may do: `viewer` reads; `deployer` also deploys, stops, rolls back and
            pushes revisions; `admin` also manages the team's applications, groups, enrollment tokens
            and tokens.
        description (None | str | Unset):
        platform (bool | Unset): A platform administrator (manages teams and every team's tokens). Only a platform
            administrator may mint one.
        subject (None | str | Unset): Who or what holds the token (recorded as the actor of what it does). Default
            `token-<first 8 characters of its id>`.
        ttl_secs (int | None | Unset): Lifetime in seconds (default 30 days, 60 s to 365 days).
    """

    role: TeamRole
    description: None | str | Unset = UNSET
    platform: bool | Unset = UNSET
    subject: None | str | Unset = UNSET
    ttl_secs: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        role = self.role.value

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        platform = self.platform

        subject: None | str | Unset
        if isinstance(self.subject, Unset):
            subject = UNSET
        else:
            subject = self.subject

        ttl_secs: int | None | Unset
        if isinstance(self.ttl_secs, Unset):
            ttl_secs = UNSET
        else:
            ttl_secs = self.ttl_secs

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "role": role,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if platform is not UNSET:
            field_dict["platform"] = platform
        if subject is not UNSET:
            field_dict["subject"] = subject
        if ttl_secs is not UNSET:
            field_dict["ttl_secs"] = ttl_secs

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        role = TeamRole(d.pop("role"))

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        platform = d.pop("platform", UNSET)

        def _parse_subject(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        subject = _parse_subject(d.pop("subject", UNSET))

        def _parse_ttl_secs(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        ttl_secs = _parse_ttl_secs(d.pop("ttl_secs", UNSET))

        create_token = cls(
            role=role,
            description=description,
            platform=platform,
            subject=subject,
            ttl_secs=ttl_secs,
        )

        return create_token
