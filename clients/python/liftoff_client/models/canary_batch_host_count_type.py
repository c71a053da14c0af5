from enum import StrEnum


class CanaryBatchHostCountType(StrEnum):
    HOST_COUNT = "HOST_COUNT"

    def __str__(self) -> str:
        return str(self.value)
