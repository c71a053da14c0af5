from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

T = TypeVar("T", bound="HostRevisionReport")


@_attrs_define
class HostRevisionReport:
    """The scheduler's word that a deployment succeeded on a host (service credential). The
    registry keeps, per host and application, the report with the latest `succeeded_at`, so
    reports delivered twice or out of order change nothing.

        Attributes:
            application (str):
            deployment_group (str):
            deployment_group_id (UUID):
            deployment_id (UUID):
            host_id (UUID):
            revision_id (UUID):
            succeeded_at (datetime.datetime):
            team (str):
    """

    application: str
    deployment_group: str
    deployment_group_id: UUID
    deployment_id: UUID
    host_id: UUID
    revision_id: UUID
    succeeded_at: datetime.datetime
    team: str

    def to_dict(self) -> dict[str, Any]:
        application = self.application

        deployment_group = self.deployment_group

        deployment_group_id = str(self.deployment_group_id)

        deployment_id = str(self.deployment_id)

        host_id = str(self.host_id)

        revision_id = str(self.revision_id)

        succeeded_at = self.succeeded_at.isoformat()

        team = self.team

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "application": application,
                "deployment_group": deployment_group,
                "deployment_group_id": deployment_group_id,
                "deployment_id": deployment_id,
                "host_id": host_id,
                "revision_id": revision_id,
                "succeeded_at": succeeded_at,
                "team": team,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        application = d.pop("application")

        deployment_group = d.pop("deployment_group")

        deployment_group_id = UUID(d.pop("deployment_group_id"))

        deployment_id = UUID(d.pop("deployment_id"))

        host_id = UUID(d.pop("host_id"))

        revision_id = UUID(d.pop("revision_id"))

        succeeded_at = datetime.datetime.fromisoformat(d.pop("succeeded_at"))

        team = d.pop("team")

        host_revision_report = cls(
            application=application,
            deployment_group=deployment_group,
            deployment_group_id=deployment_group_id,
            deployment_id=deployment_id,
            host_id=host_id,
            revision_id=revision_id,
            succeeded_at=succeeded_at,
            team=team,
        )

        return host_revision_report
