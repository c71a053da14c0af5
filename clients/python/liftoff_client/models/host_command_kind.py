from enum import StrEnum


class HostCommandKind(StrEnum):
    APPLICATIONSTOP = "ApplicationStop"

    def __str__(self) -> str:
        return str(self.value)
