from enum import StrEnum


class AnalysisState(StrEnum):
    BAKING = "baking"
    ENDED = "ended"
    FAILED = "failed"
    INCONCLUSIVE = "inconclusive"
    PASSED = "passed"
    RUNNING = "running"

    def __str__(self) -> str:
        return str(self.value)
