from enum import StrEnum


class ScaleDirection(StrEnum):
    SCALE_IN = "scale_in"
    SCALE_OUT = "scale_out"

    def __str__(self) -> str:
        return str(self.value)
