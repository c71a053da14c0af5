from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="HookLogUpload")


@_attrs_define
class HookLogUpload:
    """An agent's upload of the whole output of one lifecycle event of one command.

    Attributes:
        deployment_id (UUID):
        original_bytes (int): Size of the whole output on the host, in bytes.
        output (str): The output (lossy UTF-8), at most `HOOK_LOG_CAP_BYTES`.
        revision_id (UUID):
        truncated (bool | Unset): True if `output` is not the whole output.
        upload_grant (None | str | Unset): The command's `log_grant`, as the scheduler handed it to this host: without
            it the
            upload is refused (403), so no other host can take the command's log slots.
    """

    deployment_id: UUID
    original_bytes: int
    output: str
    revision_id: UUID
    truncated: bool | Unset = UNSET
    upload_grant: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        deployment_id = str(self.deployment_id)

        original_bytes = self.original_bytes

        output = self.output

        revision_id = str(self.revision_id)

        truncated = self.truncated

        upload_grant: None | str | Unset
        if isinstance(self.upload_grant, Unset):
            upload_grant = UNSET
        else:
            upload_grant = self.upload_grant

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "deployment_id": deployment_id,
                "original_bytes": original_bytes,
                "output": output,
                "revision_id": revision_id,
            }
        )
        if truncated is not UNSET:
            field_dict["truncated"] = truncated
        if upload_grant is not UNSET:
            field_dict["upload_grant"] = upload_grant

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        deployment_id = UUID(d.pop("deployment_id"))

        original_bytes = d.pop("original_bytes")

        output = d.pop("output")

        revision_id = UUID(d.pop("revision_id"))

        truncated = d.pop("truncated", UNSET)

        def _parse_upload_grant(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        upload_grant = _parse_upload_grant(d.pop("upload_grant", UNSET))

        hook_log_upload = cls(
            deployment_id=deployment_id,
            original_bytes=original_bytes,
            output=output,
            revision_id=revision_id,
            truncated=truncated,
            upload_grant=upload_grant,
        )

        return hook_log_upload
