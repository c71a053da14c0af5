from enum import StrEnum


class LifecycleResult(StrEnum):
    ABANDON = "ABANDON"
    CONTINUE = "CONTINUE"

    def __str__(self) -> str:
        return str(self.value)
