from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.create_enrollment_token_tags import CreateEnrollmentTokenTags


T = TypeVar("T", bound="CreateEnrollmentToken")


@_attrs_define
class CreateEnrollmentToken:
    """
    Attributes:
        description (None | str | Unset):
        tags (CreateEnrollmentTokenTags | Unset): Tags every host enrolling with this token gets (merged under the
            host's own).
        ttl_secs (int | None | Unset): Lifetime in seconds (default 1 h, at most 365 days).
        uses (int | None | Unset): How many hosts may enroll with it (absent: unlimited; `liftoff enroll-token create`
            asks for 1 unless told `--uses unlimited`).
    """

    description: None | str | Unset = UNSET
    tags: CreateEnrollmentTokenTags | Unset = UNSET
    ttl_secs: int | None | Unset = UNSET
    uses: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        tags: dict[str, Any] | Unset = UNSET
        if not isinstance(self.tags, Unset):
            tags = self.tags.to_dict()

        ttl_secs: int | None | Unset
        if isinstance(self.ttl_secs, Unset):
            ttl_secs = UNSET
        else:
            ttl_secs = self.ttl_secs

        uses: int | None | Unset
        if isinstance(self.uses, Unset):
            uses = UNSET
        else:
            uses = self.uses

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if description is not UNSET:
            field_dict["description"] = description
        if tags is not UNSET:
            field_dict["tags"] = tags
        if ttl_secs is not UNSET:
            field_dict["ttl_secs"] = ttl_secs
        if uses is not UNSET:
            field_dict["uses"] = uses

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.create_enrollment_token_tags import CreateEnrollmentTokenTags  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        _tags = d.pop("tags", UNSET)
        tags: CreateEnrollmentTokenTags | Unset
        if isinstance(_tags, Unset):
            tags = UNSET
        else:
            tags = CreateEnrollmentTokenTags.from_dict(_tags)

        def _parse_ttl_secs(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        ttl_secs = _parse_ttl_secs(d.pop("ttl_secs", UNSET))

        def _parse_uses(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        uses = _parse_uses(d.pop("uses", UNSET))

        create_enrollment_token = cls(
            description=description,
            tags=tags,
            ttl_secs=ttl_secs,
            uses=uses,
        )

        return create_enrollment_token
