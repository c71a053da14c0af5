from enum import StrEnum


class MinimumHealthyFleetPercentType(StrEnum):
    FLEET_PERCENT = "FLEET_PERCENT"

    def __str__(self) -> str:
        return str(self.value)
