from enum import StrEnum


class AgentCommandKind(StrEnum):
    DEPLOY = "Deploy"
    UNSUPPORTED = "Unsupported"

    def __str__(self) -> str:
        return str(self.value)
