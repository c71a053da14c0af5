from enum import StrEnum


class LifecycleActionStatus(StrEnum):
    COMPLETED = "Completed"
    IN_PROGRESS = "InProgress"
    TIMED_OUT = "TimedOut"

    def __str__(self) -> str:
        return str(self.value)
