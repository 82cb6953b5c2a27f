from enum import StrEnum

class RestoreMode(StrEnum):
    FILES = "files"
    NEW_SUBVOLUME = "new_subvolume"
    ROLLBACK = "rollback"
    SNAPSHOT = "snapshot"
    VERIFY = "verify"

    def __str__(self) -> str:
        return str(self.value)
