from enum import StrEnum


class OutsideWindow(StrEnum):
    REFUSE = "refuse"
    WAIT = "wait"

    def __str__(self) -> str:
        return str(self.value)
