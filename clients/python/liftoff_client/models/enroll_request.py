from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.enroll_request_tags import EnrollRequestTags


T = TypeVar("T", bound="EnrollRequest")


@_attrs_define
class EnrollRequest:
    """
    Attributes:
        enrollment_token (str):
        hostname (str):
        zone (str):
        agent_version (None | str | Unset):
        tags (EnrollRequestTags | Unset):
    """

    enrollment_token: str
    hostname: str
    zone: str
    agent_version: None | str | Unset = UNSET
    tags: EnrollRequestTags | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        enrollment_token = self.enrollment_token

        hostname = self.hostname

        zone = self.zone

        agent_version: None | str | Unset
        if isinstance(self.agent_version, Unset):
            agent_version = UNSET
        else:
            agent_version = self.agent_version

        tags: dict[str, Any] | Unset = UNSET
        if not isinstance(self.tags, Unset):
            tags = self.tags.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "enrollment_token": enrollment_token,
                "hostname": hostname,
                "zone": zone,
            }
        )
        if agent_version is not UNSET:
            field_dict["agent_version"] = agent_version
        if tags is not UNSET:
            field_dict["tags"] = tags

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.enroll_request_tags import EnrollRequestTags  # noqa: PLC0415

        d = dict(src_dict)
        enrollment_token = d.pop("enrollment_token")

        hostname = d.pop("hostname")

        zone = d.pop("zone")

        def _parse_agent_version(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        agent_version = _parse_agent_version(d.pop("agent_version", UNSET))

        _tags = d.pop("tags", UNSET)
        tags: EnrollRequestTags | Unset
        if isinstance(_tags, Unset):
            tags = UNSET
        else:
            tags = EnrollRequestTags.from_dict(_tags)

        enroll_request = cls(
            enrollment_token=enrollment_token,
            hostname=hostname,
            zone=zone,
            agent_version=agent_version,
            tags=tags,
        )

        return enroll_request
