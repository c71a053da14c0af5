from enum import StrEnum


class WindowSource(StrEnum):
    APPLICATION = "application"
    GROUP = "group"
    NONE = "none"

    def __str__(self) -> str:
        return str(self.value)
