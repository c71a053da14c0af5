from enum import StrEnum


class DeploymentStatus(StrEnum):
    AWAITING_APPROVAL = "AwaitingApproval"
    CREATED = "Created"
    FAILED = "Failed"
    IN_PROGRESS = "InProgress"
    PAUSED = "Paused"
    QUEUED = "Queued"
    STOPPED = "Stopped"
    SUCCEEDED = "Succeeded"

    def __str__(self) -> str:
        return str(self.value)
