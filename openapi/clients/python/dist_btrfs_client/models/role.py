from enum import StrEnum

class Role(StrEnum):
    PRIMARY = "primary"
    REMOTE = "remote"

    def __str__(self) -> str:
        return str(self.value)
