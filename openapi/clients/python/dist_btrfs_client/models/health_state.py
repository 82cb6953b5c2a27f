from enum import StrEnum

class HealthState(StrEnum):
    FAILING = "failing"
    LATE = "late"
    NEVER_REPLICATED = "never_replicated"
    OK = "ok"

    def __str__(self) -> str:
        return str(self.value)
