from enum import StrEnum


class HostTargetStatus(StrEnum):
    DISPATCHED = "Dispatched"
    FAILED = "Failed"
    IN_PROGRESS = "InProgress"
    PENDING = "Pending"
    SKIPPED = "Skipped"
    SUCCEEDED = "Succeeded"

    def __str__(self) -> str:
        return str(self.value)
