from enum import StrEnum


class EventStatus(StrEnum):
    FAILED = "Failed"
    IN_PROGRESS = "InProgress"
    SKIPPED = "Skipped"
    SUCCEEDED = "Succeeded"
    TIMED_OUT = "TimedOut"

    def __str__(self) -> str:
        return str(self.value)
