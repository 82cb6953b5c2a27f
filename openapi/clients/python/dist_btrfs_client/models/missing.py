from enum import StrEnum

class Missing(StrEnum):
    NEWEST_ONLY = "newest_only"
    SEND_ALL = "send_all"

    def __str__(self) -> str:
        return str(self.value)
