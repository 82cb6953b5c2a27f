from enum import StrEnum

class SendKind(StrEnum):
    ALREADY_PRESENT = "already_present"
    FULL = "full"
    INCREMENTAL = "incremental"

    def __str__(self) -> str:
        return str(self.value)
