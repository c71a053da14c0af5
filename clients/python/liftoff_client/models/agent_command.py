from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.agent_command_kind import AgentCommandKind
from ..models.file_exists_behavior import FileExistsBehavior
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.bundle_ref import BundleRef


T = TypeVar("T", bound="AgentCommand")


@_attrs_define
class AgentCommand:
    """What a host is told to do.

    Attributes:
        application (str):
        attempt (int): Attempt number of this host in this deployment; (deployment, host, attempt) is unique.
        bundle (BundleRef): A bundle stored content-addressed by its SHA-256, as the agent must fetch it.
        command_id (UUID):
        deployment_group (str):
        deployment_group_id (UUID):
        deployment_id (UUID):
        issued_at (datetime.datetime):
        kind (AgentCommandKind): What kind of work an [`AgentCommand`] is.
        revision_id (UUID):
        file_exists_behavior (FileExistsBehavior | None | Unset):
        log_grant (None | str | Unset): Lets this host upload the command's hook logs to history (signed by the
            scheduler when
            it hands the command over; history accepts logs only with it).
        traceparent (None | str | Unset): The W3C trace context of the scheduler's dispatch of this command
            (`00-<trace id>-<span id>-<flags>`), when the control plane exports traces: the agent's
            spans join the deployment's trace under it, and hooks get it as `TRACEPARENT`.
        traffic_hooks (bool | Unset): The group's traffic is managed by the bundle's traffic hooks: every host runs
            them.
    """

    application: str
    attempt: int
    bundle: BundleRef
    command_id: UUID
    deployment_group: str
    deployment_group_id: UUID
    deployment_id: UUID
    issued_at: datetime.datetime
    kind: AgentCommandKind
    revision_id: UUID
    file_exists_behavior: FileExistsBehavior | None | Unset = UNSET
    log_grant: None | str | Unset = UNSET
    traceparent: None | str | Unset = UNSET
    traffic_hooks: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        application = self.application

        attempt = self.attempt

        bundle = self.bundle.to_dict()

        command_id = str(self.command_id)

        deployment_group = self.deployment_group

        deployment_group_id = str(self.deployment_group_id)

        deployment_id = str(self.deployment_id)

        issued_at = self.issued_at.isoformat()

        kind = self.kind.value

        revision_id = str(self.revision_id)

        file_exists_behavior: None | str | Unset
        if isinstance(self.file_exists_behavior, Unset):
            file_exists_behavior = UNSET
        elif isinstance(self.file_exists_behavior, FileExistsBehavior):
            file_exists_behavior = self.file_exists_behavior.value
        else:
            file_exists_behavior = self.file_exists_behavior

        log_grant: None | str | Unset
        if isinstance(self.log_grant, Unset):
            log_grant = UNSET
        else:
            log_grant = self.log_grant

        traceparent: None | str | Unset
        if isinstance(self.traceparent, Unset):
            traceparent = UNSET
        else:
            traceparent = self.traceparent

        traffic_hooks = self.traffic_hooks

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "application": application,
                "attempt": attempt,
                "bundle": bundle,
                "command_id": command_id,
                "deployment_group": deployment_group,
                "deployment_group_id": deployment_group_id,
                "deployment_id": deployment_id,
                "issued_at": issued_at,
                "kind": kind,
                "revision_id": revision_id,
            }
        )
        if file_exists_behavior is not UNSET:
            field_dict["file_exists_behavior"] = file_exists_behavior
        if log_grant is not UNSET:
            field_dict["log_grant"] = log_grant
        if traceparent is not UNSET:
            field_dict["traceparent"] = traceparent
        if traffic_hooks is not UNSET:
            field_dict["traffic_hooks"] = traffic_hooks

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.bundle_ref import BundleRef  # noqa: PLC0415

        d = dict(src_dict)
        application = d.pop("application")

        attempt = d.pop("attempt")

        bundle = BundleRef.from_dict(d.pop("bundle"))

        command_id = UUID(d.pop("command_id"))

        deployment_group = d.pop("deployment_group")

        deployment_group_id = UUID(d.pop("deployment_group_id"))

        deployment_id = UUID(d.pop("deployment_id"))

        issued_at = datetime.datetime.fromisoformat(d.pop("issued_at"))

        kind = AgentCommandKind(d.pop("kind"))

        revision_id = UUID(d.pop("revision_id"))

        def _parse_file_exists_behavior(data: object) -> FileExistsBehavior | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                file_exists_behavior_type_0 = FileExistsBehavior(data)

                return file_exists_behavior_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(FileExistsBehavior | None | Unset, data)

        file_exists_behavior = _parse_file_exists_behavior(d.pop("file_exists_behavior", UNSET))

        def _parse_log_grant(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        log_grant = _parse_log_grant(d.pop("log_grant", UNSET))

        def _parse_traceparent(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        traceparent = _parse_traceparent(d.pop("traceparent", UNSET))

        traffic_hooks = d.pop("traffic_hooks", UNSET)

        agent_command = cls(
            application=application,
            attempt=attempt,
            bundle=bundle,
            command_id=command_id,
            deployment_group=deployment_group,
            deployment_group_id=deployment_group_id,
            deployment_id=deployment_id,
            issued_at=issued_at,
            kind=kind,
            revision_id=revision_id,
            file_exists_behavior=file_exists_behavior,
            log_grant=log_grant,
            traceparent=traceparent,
            traffic_hooks=traffic_hooks,
        )

        agent_command.additional_properties = d
        return agent_command

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
