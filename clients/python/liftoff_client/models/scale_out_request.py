from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.scale_out_request_previous_tags import ScaleOutRequestPreviousTags
    from ..models.scale_out_request_tags import ScaleOutRequestTags


T = TypeVar("T", bound="ScaleOutRequest")


@_attrs_define
class ScaleOutRequest:
    """
    Attributes:
        host_id (UUID):
        key (str): The registry's evaluation key: the same key again answers the same deployments.
        tags (ScaleOutRequestTags): The host's tags now.
        team (str):
        previous_tags (None | ScaleOutRequestPreviousTags | Unset): The host's tags before the change: groups these
            already selected are left alone.
            Absent (a new host): every group the host's tags select.
    """

    host_id: UUID
    key: str
    tags: ScaleOutRequestTags
    team: str
    previous_tags: None | ScaleOutRequestPreviousTags | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.scale_out_request_previous_tags import ScaleOutRequestPreviousTags  # noqa: PLC0415

        host_id = str(self.host_id)

        key = self.key

        tags = self.tags.to_dict()

        team = self.team

        previous_tags: dict[str, Any] | None | Unset
        if isinstance(self.previous_tags, Unset):
            previous_tags = UNSET
        elif isinstance(self.previous_tags, ScaleOutRequestPreviousTags):
            previous_tags = self.previous_tags.to_dict()
        else:
            previous_tags = self.previous_tags

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "host_id": host_id,
                "key": key,
                "tags": tags,
                "team": team,
            }
        )
        if previous_tags is not UNSET:
            field_dict["previous_tags"] = previous_tags

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.scale_out_request_previous_tags import ScaleOutRequestPreviousTags  # noqa: PLC0415
        from ..models.scale_out_request_tags import ScaleOutRequestTags  # noqa: PLC0415

        d = dict(src_dict)
        host_id = UUID(d.pop("host_id"))

        key = d.pop("key")

        tags = ScaleOutRequestTags.from_dict(d.pop("tags"))

        team = d.pop("team")

        def _parse_previous_tags(data: object) -> None | ScaleOutRequestPreviousTags | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                previous_tags_scale_out_request_previous_tags = ScaleOutRequestPreviousTags.from_dict(data)

                return previous_tags_scale_out_request_previous_tags
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ScaleOutRequestPreviousTags | Unset, data)

        previous_tags = _parse_previous_tags(d.pop("previous_tags", UNSET))

        scale_out_request = cls(
            host_id=host_id,
            key=key,
            tags=tags,
            team=team,
            previous_tags=previous_tags,
        )

        return scale_out_request
