from enum import StrEnum


class HostState(StrEnum):
    DEREGISTERED = "Deregistered"
    FAILED = "Failed"
    INSTALLING = "Installing"
    IN_SERVICE = "InService"
    LOST = "Lost"
    PENDING = "Pending"

    def __str__(self) -> str:
        return str(self.value)
