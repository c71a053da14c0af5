from enum import StrEnum


class InstallStatus(StrEnum):
    FAILED = "Failed"
    IN_PROGRESS = "InProgress"
    SUCCEEDED = "Succeeded"

    def __str__(self) -> str:
        return str(self.value)
