from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
from uuid import UUID
import datetime






T = TypeVar("T", bound="PlannedSnapshotDto")



@_attrs_define
class PlannedSnapshotDto:
    """ The planner's verdict on one snapshot.

        Attributes:
            action (str): `keep` or `delete`.
            created_at (datetime.datetime): The time the planner used (the recorded creation time, or when it was
                catalogued if that is unknown).
            managed (bool): Created or adopted by dist-btrfs.
            name (str):
            path (str):
            reasons (list[str]): Every reason it is kept ("newest snapshot", "keep_last 3", "daily 2026-11-25",
                "not created by dist-btrfs", ...); empty when deleted.
            sending (bool): A send of it is in progress.
            snapshot_id (UUID):
     """

    action: str
    created_at: datetime.datetime
    managed: bool
    name: str
    path: str
    reasons: list[str]
    sending: bool
    snapshot_id: UUID
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        action = self.action

        created_at = self.created_at.isoformat()

        managed = self.managed

        name = self.name

        path = self.path

        reasons = self.reasons



        sending = self.sending

        snapshot_id = str(self.snapshot_id)


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "action": action,
            "created_at": created_at,
            "managed": managed,
            "name": name,
            "path": path,
            "reasons": reasons,
            "sending": sending,
            "snapshot_id": snapshot_id,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        action = d.pop("action")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))




        managed = d.pop("managed")

        name = d.pop("name")

        path = d.pop("path")

        reasons = cast(list[str], d.pop("reasons"))


        sending = d.pop("sending")

        snapshot_id = UUID(d.pop("snapshot_id"))




        planned_snapshot_dto = cls(
            action=action,
            created_at=created_at,
            managed=managed,
            name=name,
            path=path,
            reasons=reasons,
            sending=sending,
            snapshot_id=snapshot_id,
        )


        planned_snapshot_dto.additional_properties = d
        return planned_snapshot_dto

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
