from enum import StrEnum


class CommandStatus(StrEnum):
    CANCELLED = "Cancelled"
    DISPATCHED = "Dispatched"
    FAILED = "Failed"
    IN_PROGRESS = "InProgress"
    SUCCEEDED = "Succeeded"

    def __str__(self) -> str:
        return str(self.value)
