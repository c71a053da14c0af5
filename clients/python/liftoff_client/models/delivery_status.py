from enum import StrEnum


class DeliveryStatus(StrEnum):
    DEAD = "Dead"
    DELIVERED = "Delivered"
    PENDING = "Pending"

    def __str__(self) -> str:
        return str(self.value)
