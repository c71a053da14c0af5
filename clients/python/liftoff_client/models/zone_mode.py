from enum import StrEnum


class ZoneMode(StrEnum):
    STRIPED = "striped"
    ZONE_AT_A_TIME = "zone-at-a-time"

    def __str__(self) -> str:
        return str(self.value)
