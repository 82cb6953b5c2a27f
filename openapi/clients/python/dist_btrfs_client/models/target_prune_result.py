from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
from uuid import UUID

if TYPE_CHECKING:
  from ..models.target_prune_failure import TargetPruneFailure





T = TypeVar("T", bound="TargetPruneResult")



@_attrs_define
class TargetPruneResult:
    """ What pruning did on one replication target.

        Attributes:
            deleted (list[UUID]): Snapshots whose replica was deleted there (each recorded as `ReplicaPruned`).
            failed (list[TargetPruneFailure]): Failures (recorded as `ReplicaPruneFailed`): a replica (`snapshot_id`), or
                the
                whole target (no `snapshot_id`: unreachable, directory unreadable).
            target_id (UUID):
     """

    deleted: list[UUID]
    failed: list[TargetPruneFailure]
    target_id: UUID
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.target_prune_failure import TargetPruneFailure # noqa: PLC0415
        deleted = []
        for deleted_item_data in self.deleted:
            deleted_item = str(deleted_item_data)
            deleted.append(deleted_item)



        failed = []
        for failed_item_data in self.failed:
            failed_item = failed_item_data.to_dict()
            failed.append(failed_item)



        target_id = str(self.target_id)


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "deleted": deleted,
            "failed": failed,
            "target_id": target_id,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.target_prune_failure import TargetPruneFailure # noqa: PLC0415
        d = dict(src_dict)
        deleted = []
        _deleted = d.pop("deleted")
        for deleted_item_data in (_deleted):
            deleted_item = UUID(deleted_item_data)



            deleted.append(deleted_item)


        failed = []
        _failed = d.pop("failed")
        for failed_item_data in (_failed):
            failed_item = TargetPruneFailure.from_dict(failed_item_data)



            failed.append(failed_item)


        target_id = UUID(d.pop("target_id"))




        target_prune_result = cls(
            deleted=deleted,
            failed=failed,
            target_id=target_id,
        )


        target_prune_result.additional_properties = d
        return target_prune_result

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
