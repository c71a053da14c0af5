from enum import StrEnum


class InstallMode(StrEnum):
    INSTALL = "install"
    JOIN = "join"

    def __str__(self) -> str:
        return str(self.value)
