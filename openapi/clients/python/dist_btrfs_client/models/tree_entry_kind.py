from enum import StrEnum

class TreeEntryKind(StrEnum):
    BLOCK_DEVICE = "block_device"
    CHAR_DEVICE = "char_device"
    DIRECTORY = "directory"
    FIFO = "fifo"
    FILE = "file"
    SOCKET = "socket"
    SYMLINK = "symlink"

    def __str__(self) -> str:
        return str(self.value)
