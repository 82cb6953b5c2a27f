from enum import StrEnum

class Notice(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"
    TEST = "test"

    def __str__(self) -> str:
        return str(self.value)
