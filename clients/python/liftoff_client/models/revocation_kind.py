from enum import StrEnum


class RevocationKind(StrEnum):
    TEAM_DISABLED = "team_disabled"
    TEAM_ENABLED = "team_enabled"
    TOKEN = "token"

    def __str__(self) -> str:
        return str(self.value)
