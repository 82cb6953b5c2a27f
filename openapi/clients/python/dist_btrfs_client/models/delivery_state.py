from enum import StrEnum

class DeliveryState(StrEnum):
    DELIVERED = "delivered"
    FAILED = "failed"
    QUEUED = "queued"

    def __str__(self) -> str:
        return str(self.value)
