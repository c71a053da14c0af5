from enum import StrEnum


class FileExistsBehavior(StrEnum):
    DISALLOW = "DISALLOW"
    OVERWRITE = "OVERWRITE"
    RETAIN = "RETAIN"

    def __str__(self) -> str:
        return str(self.value)
