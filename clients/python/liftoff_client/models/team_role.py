from enum import StrEnum


class TeamRole(StrEnum):
    ADMIN = "admin"
    DEPLOYER = "deployer"
    VIEWER = "viewer"

    def __str__(self) -> str:
        return str(self.value)
