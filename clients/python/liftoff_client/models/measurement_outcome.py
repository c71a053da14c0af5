from enum import StrEnum


class MeasurementOutcome(StrEnum):
    FAILED = "failed"
    INCONCLUSIVE = "inconclusive"
    PASSED = "passed"
    RUNNING = "running"

    def __str__(self) -> str:
        return str(self.value)
