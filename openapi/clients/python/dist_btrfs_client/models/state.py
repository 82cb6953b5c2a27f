from enum import StrEnum

class State(StrEnum):
    DELETED = "deleted"
    PRESENT = "present"
    VANISHED = "vanished"

    def __str__(self) -> str:
        return str(self.value)
