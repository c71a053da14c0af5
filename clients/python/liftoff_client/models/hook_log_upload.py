from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
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
    """

    deployment_id: UUID
    original_bytes: int
    output: str
    revision_id: UUID
    truncated: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        deployment_id = str(self.deployment_id)

        original_bytes = self.original_bytes

        output = self.output

        revision_id = str(self.revision_id)

        truncated = self.truncated

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

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        deployment_id = UUID(d.pop("deployment_id"))

        original_bytes = d.pop("original_bytes")

        output = d.pop("output")

        revision_id = UUID(d.pop("revision_id"))

        truncated = d.pop("truncated", UNSET)

        hook_log_upload = cls(
            deployment_id=deployment_id,
            original_bytes=original_bytes,
            output=output,
            revision_id=revision_id,
            truncated=truncated,
        )

        return hook_log_upload
