from enum import StrEnum

class ErrorClass(StrEnum):
    PERMANENT = "permanent"
    TRANSIENT = "transient"

    def __str__(self) -> str:
        return str(self.value)
