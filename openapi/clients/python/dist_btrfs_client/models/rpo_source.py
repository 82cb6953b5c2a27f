from enum import StrEnum

class RpoSource(StrEnum):
    DEFAULT = "default"
    SCHEDULE = "schedule"
    SET = "set"

    def __str__(self) -> str:
        return str(self.value)
