from enum import StrEnum


class RolloutStatus(StrEnum):
    AWAITING_APPROVAL = "AwaitingApproval"
    FAILED = "Failed"
    IN_PROGRESS = "InProgress"
    PAUSED = "Paused"
    PENDING = "Pending"
    STOPPED = "Stopped"
    SUCCEEDED = "Succeeded"

    def __str__(self) -> str:
        return str(self.value)
