from enum import StrEnum

class ProblemKind(StrEnum):
    FILESYSTEM_FULL = "filesystem_full"
    HOOK_FAILING = "hook_failing"
    HOST_KEY_CHANGED = "host_key_changed"
    JOB_FAILED = "job_failed"
    REPLICATION_FAILING = "replication_failing"
    REPLICATION_LATE = "replication_late"
    REPLICATION_NEVER = "replication_never"
    SERVER_UNREACHABLE = "server_unreachable"
    SNAPSHOT_FAILING = "snapshot_failing"
    SNAPSHOT_OVERDUE = "snapshot_overdue"
    STORAGE_UNKNOWN = "storage_unknown"

    def __str__(self) -> str:
        return str(self.value)
