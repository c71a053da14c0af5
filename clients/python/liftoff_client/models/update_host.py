from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.update_host_tags import UpdateHostTags


T = TypeVar("T", bound="UpdateHost")


@_attrs_define
class UpdateHost:
    """`PATCH /v1/hosts/{id}`: operator-editable fields.

    Attributes:
        tags (None | Unset | UpdateHostTags): The host's complete new tag set. Groups the host enters get their revision
            installed.
    """

    tags: None | Unset | UpdateHostTags = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.update_host_tags import UpdateHostTags  # noqa: PLC0415

        tags: dict[str, Any] | None | Unset
        if isinstance(self.tags, Unset):
            tags = UNSET
        elif isinstance(self.tags, UpdateHostTags):
            tags = self.tags.to_dict()
        else:
            tags = self.tags

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if tags is not UNSET:
            field_dict["tags"] = tags

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.update_host_tags import UpdateHostTags  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_tags(data: object) -> None | Unset | UpdateHostTags:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                tags_update_host_tags = UpdateHostTags.from_dict(data)

                return tags_update_host_tags
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UpdateHostTags, data)

        tags = _parse_tags(d.pop("tags", UNSET))

        update_host = cls(
            tags=tags,
        )

        return update_host
