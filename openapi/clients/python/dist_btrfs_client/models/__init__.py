""" Contains all the data models used in inputs/outputs """

from .accept_host_key import AcceptHostKey
from .assign_policy import AssignPolicy
from .audit_event import AuditEvent
from .audit_page import AuditPage
from .available_hook import AvailableHook
from .block_group_bytes import BlockGroupBytes
from .change_kind import ChangeKind
from .channel import Channel
from .channel_created import ChannelCreated
from .channel_input import ChannelInput
from .channel_kind import ChannelKind
from .check_result import CheckResult
from .checks_problem import ChecksProblem
from .compression import Compression
from .delivery import Delivery
from .delivery_page import DeliveryPage
from .delivery_state import DeliveryState
from .diff_change import DiffChange
from .diff_listing import DiffListing
from .discovered_subvolume import DiscoveredSubvolume
from .error_class import ErrorClass
from .filesystem_storage import FilesystemStorage
from .firing_alert import FiringAlert
from .fleet_problem import FleetProblem
from .fleet_status import FleetStatus
from .health import Health
from .health_report import HealthReport
from .health_snapshot_ref import HealthSnapshotRef
from .health_state import HealthState
from .health_summary import HealthSummary
from .hook_run import HookRun
from .host_key_probe import HostKeyProbe
from .instance import Instance
from .instance_patch import InstancePatch
from .issued_token import IssuedToken
from .live_event import LiveEvent
from .login_request import LoginRequest
from .manage_subvolume import ManageSubvolume
from .me import Me
from .missing import Missing
from .new_replication import NewReplication
from .new_restore import NewRestore
from .new_server import NewServer
from .new_target import NewTarget
from .new_token import NewToken
from .new_user import NewUser
from .notice import Notice
from .origin import Origin
from .page_policy import PagePolicy
from .page_replica import PageReplica
from .page_replication import PageReplication
from .page_server import PageServer
from .page_server_storage_view import PageServerStorageView
from .page_snapshot import PageSnapshot
from .page_subvolume import PageSubvolume
from .page_target import PageTarget
from .password_change import PasswordChange
from .planned_replica_dto import PlannedReplicaDto
from .planned_send import PlannedSend
from .planned_snapshot_dto import PlannedSnapshotDto
from .policy import Policy
from .policy_input import PolicyInput
from .policy_patch import PolicyPatch
from .policy_retention import PolicyRetention
from .policy_schedule import PolicySchedule
from .preview_request import PreviewRequest
from .probe_host_key import ProbeHostKey
from .problem import Problem
from .problem_kind import ProblemKind
from .prune_failure import PruneFailure
from .prune_result import PruneResult
from .replica import Replica
from .replication import Replication
from .replication_state import ReplicationState
from .replication_target import ReplicationTarget
from .restore import Restore
from .restore_mode import RestoreMode
from .restore_page import RestorePage
from .restore_state import RestoreState
from .retention_preview import RetentionPreview
from .role import Role
from .role_dto import RoleDto
from .rpo import Rpo
from .rpo_change import RpoChange
from .rpo_source import RpoSource
from .rule import Rule
from .rule_input import RuleInput
from .send_kind import SendKind
from .server import Server
from .server_hooks import ServerHooks
from .server_patch import ServerPatch
from .server_storage_view import ServerStorageView
from .server_transport import ServerTransport
from .set_snapshot_hooks import SetSnapshotHooks
from .severity import Severity
from .smtp_tls import SmtpTls
from .snapshot import Snapshot
from .snapshot_hooks import SnapshotHooks
from .state import State
from .storage_sample import StorageSample
from .storage_settings import StorageSettings
from .subvolume import Subvolume
from .subvolume_health import SubvolumeHealth
from .subvolume_sample_view import SubvolumeSampleView
from .subvolume_storage_view import SubvolumeStorageView
from .sync_report import SyncReport
from .target import Target
from .target_health_dto import TargetHealthDto
from .target_patch import TargetPatch
from .target_preview import TargetPreview
from .target_prune_failure import TargetPruneFailure
from .target_prune_result import TargetPruneResult
from .target_retention import TargetRetention
from .target_state import TargetState
from .token import Token
from .transfer_kind import TransferKind
from .transport_kind import TransportKind
from .tree_entry import TreeEntry
from .tree_entry_kind import TreeEntryKind
from .tree_listing import TreeListing
from .user import User
from .user_patch import UserPatch
from .verification import Verification
from .verify_request import VerifyRequest

__all__ = (
    "AcceptHostKey",
    "AssignPolicy",
    "AuditEvent",
    "AuditPage",
    "AvailableHook",
    "BlockGroupBytes",
    "ChangeKind",
    "Channel",
    "ChannelCreated",
    "ChannelInput",
    "ChannelKind",
    "CheckResult",
    "ChecksProblem",
    "Compression",
    "Delivery",
    "DeliveryPage",
    "DeliveryState",
    "DiffChange",
    "DiffListing",
    "DiscoveredSubvolume",
    "ErrorClass",
    "FilesystemStorage",
    "FiringAlert",
    "FleetProblem",
    "FleetStatus",
    "Health",
    "HealthReport",
    "HealthSnapshotRef",
    "HealthState",
    "HealthSummary",
    "HookRun",
    "HostKeyProbe",
    "Instance",
    "InstancePatch",
    "IssuedToken",
    "LiveEvent",
    "LoginRequest",
    "ManageSubvolume",
    "Me",
    "Missing",
    "NewReplication",
    "NewRestore",
    "NewServer",
    "NewTarget",
    "NewToken",
    "NewUser",
    "Notice",
    "Origin",
    "PagePolicy",
    "PageReplica",
    "PageReplication",
    "PageServer",
    "PageServerStorageView",
    "PageSnapshot",
    "PageSubvolume",
    "PageTarget",
    "PasswordChange",
    "PlannedReplicaDto",
    "PlannedSend",
    "PlannedSnapshotDto",
    "Policy",
    "PolicyInput",
    "PolicyPatch",
    "PolicyRetention",
    "PolicySchedule",
    "PreviewRequest",
    "ProbeHostKey",
    "Problem",
    "ProblemKind",
    "PruneFailure",
    "PruneResult",
    "Replica",
    "Replication",
    "ReplicationState",
    "ReplicationTarget",
    "Restore",
    "RestoreMode",
    "RestorePage",
    "RestoreState",
    "RetentionPreview",
    "Role",
    "RoleDto",
    "Rpo",
    "RpoChange",
    "RpoSource",
    "Rule",
    "RuleInput",
    "SendKind",
    "Server",
    "ServerHooks",
    "ServerPatch",
    "ServerStorageView",
    "ServerTransport",
    "SetSnapshotHooks",
    "Severity",
    "SmtpTls",
    "Snapshot",
    "SnapshotHooks",
    "State",
    "StorageSample",
    "StorageSettings",
    "Subvolume",
    "SubvolumeHealth",
    "SubvolumeSampleView",
    "SubvolumeStorageView",
    "SyncReport",
    "Target",
    "TargetHealthDto",
    "TargetPatch",
    "TargetPreview",
    "TargetPruneFailure",
    "TargetPruneResult",
    "TargetRetention",
    "TargetState",
    "Token",
    "TransferKind",
    "TransportKind",
    "TreeEntry",
    "TreeEntryKind",
    "TreeListing",
    "User",
    "UserPatch",
    "Verification",
    "VerifyRequest",
)
