from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
from uuid import UUID
import datetime

if TYPE_CHECKING:
  from ..models.planned_snapshot_dto import PlannedSnapshotDto
  from ..models.prune_failure import PruneFailure
  from ..models.target_prune_result import TargetPruneResult





T = TypeVar("T", bound="PruneResult")



@_attrs_define
class PruneResult:
    """ What a prune did.

        Attributes:
            at (datetime.datetime):
            deleted (list[UUID]): Deleted from disk (each recorded as `SnapshotPruned`).
            failed (list[PruneFailure]): Planned for deletion, not deleted.
            policy_id (UUID):
            snapshots (list[PlannedSnapshotDto]): The plan that was carried out.
            subvolume_id (UUID):
            targets (list[TargetPruneResult]): The replicas pruned on each replication target by the policy's target
                retention
                (empty without one).
            vanished (list[UUID]): Already gone from disk (recorded as `SnapshotVanished`).
     """

    at: datetime.datetime
    deleted: list[UUID]
    failed: list[PruneFailure]
    policy_id: UUID
    snapshots: list[PlannedSnapshotDto]
    subvolume_id: UUID
    targets: list[TargetPruneResult]
    vanished: list[UUID]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.planned_snapshot_dto import PlannedSnapshotDto # noqa: PLC0415
        from ..models.prune_failure import PruneFailure # noqa: PLC0415
        from ..models.target_prune_result import TargetPruneResult # noqa: PLC0415
        at = self.at.isoformat()

        deleted = []
        for deleted_item_data in self.deleted:
            deleted_item = str(deleted_item_data)
            deleted.append(deleted_item)



        failed = []
        for failed_item_data in self.failed:
            failed_item = failed_item_data.to_dict()
            failed.append(failed_item)



        policy_id = str(self.policy_id)

        snapshots = []
        for snapshots_item_data in self.snapshots:
            snapshots_item = snapshots_item_data.to_dict()
            snapshots.append(snapshots_item)



        subvolume_id = str(self.subvolume_id)

        targets = []
        for targets_item_data in self.targets:
            targets_item = targets_item_data.to_dict()
            targets.append(targets_item)



        vanished = []
        for vanished_item_data in self.vanished:
            vanished_item = str(vanished_item_data)
            vanished.append(vanished_item)




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "at": at,
            "deleted": deleted,
            "failed": failed,
            "policy_id": policy_id,
            "snapshots": snapshots,
            "subvolume_id": subvolume_id,
            "targets": targets,
            "vanished": vanished,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.planned_snapshot_dto import PlannedSnapshotDto # noqa: PLC0415
        from ..models.prune_failure import PruneFailure # noqa: PLC0415
        from ..models.target_prune_result import TargetPruneResult # noqa: PLC0415
        d = dict(src_dict)
        at = datetime.datetime.fromisoformat(d.pop("at"))




        deleted = []
        _deleted = d.pop("deleted")
        for deleted_item_data in (_deleted):
            deleted_item = UUID(deleted_item_data)



            deleted.append(deleted_item)


        failed = []
        _failed = d.pop("failed")
        for failed_item_data in (_failed):
            failed_item = PruneFailure.from_dict(failed_item_data)



            failed.append(failed_item)


        policy_id = UUID(d.pop("policy_id"))




        snapshots = []
        _snapshots = d.pop("snapshots")
        for snapshots_item_data in (_snapshots):
            snapshots_item = PlannedSnapshotDto.from_dict(snapshots_item_data)



            snapshots.append(snapshots_item)


        subvolume_id = UUID(d.pop("subvolume_id"))




        targets = []
        _targets = d.pop("targets")
        for targets_item_data in (_targets):
            targets_item = TargetPruneResult.from_dict(targets_item_data)



            targets.append(targets_item)


        vanished = []
        _vanished = d.pop("vanished")
        for vanished_item_data in (_vanished):
            vanished_item = UUID(vanished_item_data)



            vanished.append(vanished_item)


        prune_result = cls(
            at=at,
            deleted=deleted,
            failed=failed,
            policy_id=policy_id,
            snapshots=snapshots,
            subvolume_id=subvolume_id,
            targets=targets,
            vanished=vanished,
        )


        prune_result.additional_properties = d
        return prune_result

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
