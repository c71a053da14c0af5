from enum import StrEnum


class MinimumHealthyHostCountType(StrEnum):
    HOST_COUNT = "HOST_COUNT"

    def __str__(self) -> str:
        return str(self.value)
