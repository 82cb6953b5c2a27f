from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
from uuid import UUID
import datetime

if TYPE_CHECKING:
  from ..models.policy_retention import PolicyRetention
  from ..models.policy_schedule import PolicySchedule





T = TypeVar("T", bound="Policy")



@_attrs_define
class Policy:
    """ A stored policy.

        Attributes:
            created_at (datetime.datetime):
            id (UUID):
            name (str):
            replicate_after_snapshot (bool):
            retention (PolicyRetention): What to keep (btrbk-style). A snapshot is kept if any rule keeps it; the newest
                snapshot, snapshots not created by dist-btrfs, incremental bases and snapshots being
                sent are always kept.
            schedule (PolicySchedule): When snapshots are taken.
            subvolumes (list[UUID]): Subvolumes that follow this policy.
            updated_at (datetime.datetime):
            next_snapshot_at (datetime.datetime | None | Unset): The next slot of its schedule after now (UTC): when the
                subvolumes that follow it
                are snapshotted next, then pruned (and replicated, with
                `replicate_after_snapshot`). Absent when the schedule never fires again.
            target_retention (None | PolicyRetention | Unset):
     """

    created_at: datetime.datetime
    id: UUID
    name: str
    replicate_after_snapshot: bool
    retention: PolicyRetention
    schedule: PolicySchedule
    subvolumes: list[UUID]
    updated_at: datetime.datetime
    next_snapshot_at: datetime.datetime | None | Unset = UNSET
    target_retention: None | PolicyRetention | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.policy_retention import PolicyRetention # noqa: PLC0415
        from ..models.policy_schedule import PolicySchedule # noqa: PLC0415
        created_at = self.created_at.isoformat()

        id = str(self.id)

        name = self.name

        replicate_after_snapshot = self.replicate_after_snapshot

        retention = self.retention.to_dict()

        schedule = self.schedule.to_dict()

        subvolumes = []
        for subvolumes_item_data in self.subvolumes:
            subvolumes_item = str(subvolumes_item_data)
            subvolumes.append(subvolumes_item)



        updated_at = self.updated_at.isoformat()

        next_snapshot_at: None | str | Unset
        if isinstance(self.next_snapshot_at, Unset):
            next_snapshot_at = UNSET
        elif isinstance(self.next_snapshot_at, datetime.datetime):
            next_snapshot_at = self.next_snapshot_at.isoformat()
        else:
            next_snapshot_at = self.next_snapshot_at

        target_retention: dict[str, Any] | None | Unset
        if isinstance(self.target_retention, Unset):
            target_retention = UNSET
        elif isinstance(self.target_retention, PolicyRetention):
            target_retention = self.target_retention.to_dict()
        else:
            target_retention = self.target_retention


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "created_at": created_at,
            "id": id,
            "name": name,
            "replicate_after_snapshot": replicate_after_snapshot,
            "retention": retention,
            "schedule": schedule,
            "subvolumes": subvolumes,
            "updated_at": updated_at,
        })
        if next_snapshot_at is not UNSET:
            field_dict["next_snapshot_at"] = next_snapshot_at
        if target_retention is not UNSET:
            field_dict["target_retention"] = target_retention

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.policy_retention import PolicyRetention # noqa: PLC0415
        from ..models.policy_schedule import PolicySchedule # noqa: PLC0415
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))




        id = UUID(d.pop("id"))




        name = d.pop("name")

        replicate_after_snapshot = d.pop("replicate_after_snapshot")

        retention = PolicyRetention.from_dict(d.pop("retention"))




        schedule = PolicySchedule.from_dict(d.pop("schedule"))




        subvolumes = []
        _subvolumes = d.pop("subvolumes")
        for subvolumes_item_data in (_subvolumes):
            subvolumes_item = UUID(subvolumes_item_data)



            subvolumes.append(subvolumes_item)


        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))




        def _parse_next_snapshot_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_snapshot_at_type_0 = datetime.datetime.fromisoformat(data)



                return next_snapshot_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        next_snapshot_at = _parse_next_snapshot_at(d.pop("next_snapshot_at", UNSET))


        def _parse_target_retention(data: object) -> None | PolicyRetention | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                target_retention_type_1 = PolicyRetention.from_dict(data)



                return target_retention_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PolicyRetention | Unset, data)

        target_retention = _parse_target_retention(d.pop("target_retention", UNSET))


        policy = cls(
            created_at=created_at,
            id=id,
            name=name,
            replicate_after_snapshot=replicate_after_snapshot,
            retention=retention,
            schedule=schedule,
            subvolumes=subvolumes,
            updated_at=updated_at,
            next_snapshot_at=next_snapshot_at,
            target_retention=target_retention,
        )


        policy.additional_properties = d
        return policy

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
