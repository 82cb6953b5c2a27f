from enum import StrEnum

class Origin(StrEnum):
    CREATED = "created"
    DISCOVERED = "discovered"

    def __str__(self) -> str:
        return str(self.value)
