from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.team_role import TeamRole

T = TypeVar("T", bound="Whoami")


@_attrs_define
class Whoami:
    """Who the presented team token is (`GET /v1/whoami`): what a client such as the web console
    needs to show only the controls the token may use.

        Attributes:
            expires_at (datetime.datetime):
            platform (bool): A platform administrator (manages teams and every team's tokens).
            role (TeamRole): What a team token may do: `viewer` reads; `deployer` also deploys, stops, rolls back and
                pushes revisions; `admin` also manages the team's applications, groups, enrollment tokens
                and tokens.
            subject (str): The token's subject: the actor recorded for what it does.
            team (str):
    """

    expires_at: datetime.datetime
    platform: bool
    role: TeamRole
    subject: str
    team: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        expires_at = self.expires_at.isoformat()

        platform = self.platform

        role = self.role.value

        subject = self.subject

        team = self.team

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "expires_at": expires_at,
                "platform": platform,
                "role": role,
                "subject": subject,
                "team": team,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        platform = d.pop("platform")

        role = TeamRole(d.pop("role"))

        subject = d.pop("subject")

        team = d.pop("team")

        whoami = cls(
            expires_at=expires_at,
            platform=platform,
            role=role,
            subject=subject,
            team=team,
        )

        whoami.additional_properties = d
        return whoami

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
