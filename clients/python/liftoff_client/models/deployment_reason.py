from enum import StrEnum


class DeploymentReason(StrEnum):
    PROMOTION = "promotion"
    ROLLBACK = "rollback"
    SCALE_OUT = "scale_out"
    USER = "user"

    def __str__(self) -> str:
        return str(self.value)
