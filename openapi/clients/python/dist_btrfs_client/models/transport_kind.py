from enum import StrEnum

class TransportKind(StrEnum):
    LOCAL = "local"
    SSH = "ssh"

    def __str__(self) -> str:
        return str(self.value)
