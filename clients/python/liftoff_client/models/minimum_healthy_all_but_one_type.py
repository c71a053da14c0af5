from enum import StrEnum


class MinimumHealthyAllButOneType(StrEnum):
    ALL_BUT_ONE = "ALL_BUT_ONE"

    def __str__(self) -> str:
        return str(self.value)
