from enum import StrEnum


class RolloutDetail(StrEnum):
    FULL = "full"
    HOSTS = "hosts"
    SUMMARY = "summary"

    def __str__(self) -> str:
        return str(self.value)
