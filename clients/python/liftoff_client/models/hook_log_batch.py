from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.hook_log_entry import HookLogEntry


T = TypeVar("T", bound="HookLogBatch")


@_attrs_define
class HookLogBatch:
    """An agent's upload of the outputs of several lifecycle events of one command, stored in
    one transaction: the outputs together at most `HOOK_LOG_CAP_BYTES` (larger ones go alone).

        Attributes:
            deployment_id (UUID):
            logs (list[HookLogEntry]): 1 to `HOOK_LOG_BATCH_MAX` logs, each event at most once.
            revision_id (UUID):
            upload_grant (None | str | Unset): As in [`HookLogUpload`].
    """

    deployment_id: UUID
    logs: list[HookLogEntry]
    revision_id: UUID
    upload_grant: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        deployment_id = str(self.deployment_id)

        logs = []
        for logs_item_data in self.logs:
            logs_item = logs_item_data.to_dict()
            logs.append(logs_item)

        revision_id = str(self.revision_id)

        upload_grant: None | str | Unset
        if isinstance(self.upload_grant, Unset):
            upload_grant = UNSET
        else:
            upload_grant = self.upload_grant

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "deployment_id": deployment_id,
                "logs": logs,
                "revision_id": revision_id,
            }
        )
        if upload_grant is not UNSET:
            field_dict["upload_grant"] = upload_grant

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.hook_log_entry import HookLogEntry  # noqa: PLC0415

        d = dict(src_dict)
        deployment_id = UUID(d.pop("deployment_id"))

        logs = []
        _logs = d.pop("logs")
        for logs_item_data in _logs:
            logs_item = HookLogEntry.from_dict(logs_item_data)

            logs.append(logs_item)

        revision_id = UUID(d.pop("revision_id"))

        def _parse_upload_grant(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        upload_grant = _parse_upload_grant(d.pop("upload_grant", UNSET))

        hook_log_batch = cls(
            deployment_id=deployment_id,
            logs=logs,
            revision_id=revision_id,
            upload_grant=upload_grant,
        )

        return hook_log_batch
