from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateFreeze")


@_attrs_define
class CreateFreeze:
    """`POST /v1/freezes`: no deployment of the team (or of one application) starts until
    `until`, unless an admin overrides it with a written reason.

        Attributes:
            reason (str): Why (shown to whoever is refused).
            until (datetime.datetime): When it ends (RFC 3339, in the future, at most 90 days ahead).
            application (None | str | Unset): Only this application's deployments; absent: every deployment of the team.
    """

    reason: str
    until: datetime.datetime
    application: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        reason = self.reason

        until = self.until.isoformat()

        application: None | str | Unset
        if isinstance(self.application, Unset):
            application = UNSET
        else:
            application = self.application

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "reason": reason,
                "until": until,
            }
        )
        if application is not UNSET:
            field_dict["application"] = application

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        reason = d.pop("reason")

        until = datetime.datetime.fromisoformat(d.pop("until"))

        def _parse_application(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        application = _parse_application(d.pop("application", UNSET))

        create_freeze = cls(
            reason=reason,
            until=until,
            application=application,
        )

        return create_freeze
