from enum import StrEnum

class PlannedSend(StrEnum):
    ALREADY_PRESENT = "already_present"
    FULL = "full"
    INCREMENTAL = "incremental"
    REFUSED = "refused"
    UNREADABLE = "unreadable"

    def __str__(self) -> str:
        return str(self.value)
