from enum import StrEnum

class Compression(StrEnum):
    NONE = "none"
    ZSTD = "zstd"

    def __str__(self) -> str:
        return str(self.value)
