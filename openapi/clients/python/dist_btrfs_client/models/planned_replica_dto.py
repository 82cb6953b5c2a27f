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






T = TypeVar("T", bound="PlannedReplicaDto")



@_attrs_define
class PlannedReplicaDto:
    """ A replica and what the next prune would do to it.

        Attributes:
            action (str): `keep` or `delete`.
            created_at (datetime.datetime): The snapshot's creation time (what retention plans with).
            name (str): The snapshot's name.
            path (str): Where the replica is on the target.
            pinned_as_base (bool): The target's incremental base: kept until a newer common snapshot replaces it.
            reasons (list[str]): Every reason it is kept; empty when deleted, and when the policy has no target
                retention (nothing prunes there).
            received_at (datetime.datetime): When the replica was catalogued (its receive finished, or it was found there).
            replica_id (UUID):
            sending (bool): A send of it (or from it) is in progress.
            snapshot_id (UUID):
            size_bytes (int | None | Unset): The snapshot's exclusive bytes on the primary when quotas report them; absent
                when unknown (quotas off), never a made-up 0.
     """

    action: str
    created_at: datetime.datetime
    name: str
    path: str
    pinned_as_base: bool
    reasons: list[str]
    received_at: datetime.datetime
    replica_id: UUID
    sending: bool
    snapshot_id: UUID
    size_bytes: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        action = self.action

        created_at = self.created_at.isoformat()

        name = self.name

        path = self.path

        pinned_as_base = self.pinned_as_base

        reasons = self.reasons



        received_at = self.received_at.isoformat()

        replica_id = str(self.replica_id)

        sending = self.sending

        snapshot_id = str(self.snapshot_id)

        size_bytes: int | None | Unset
        if isinstance(self.size_bytes, Unset):
            size_bytes = UNSET
        else:
            size_bytes = self.size_bytes


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "action": action,
            "created_at": created_at,
            "name": name,
            "path": path,
            "pinned_as_base": pinned_as_base,
            "reasons": reasons,
            "received_at": received_at,
            "replica_id": replica_id,
            "sending": sending,
            "snapshot_id": snapshot_id,
        })
        if size_bytes is not UNSET:
            field_dict["size_bytes"] = size_bytes

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        action = d.pop("action")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))




        name = d.pop("name")

        path = d.pop("path")

        pinned_as_base = d.pop("pinned_as_base")

        reasons = cast(list[str], d.pop("reasons"))


        received_at = datetime.datetime.fromisoformat(d.pop("received_at"))




        replica_id = UUID(d.pop("replica_id"))




        sending = d.pop("sending")

        snapshot_id = UUID(d.pop("snapshot_id"))




        def _parse_size_bytes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        size_bytes = _parse_size_bytes(d.pop("size_bytes", UNSET))


        planned_replica_dto = cls(
            action=action,
            created_at=created_at,
            name=name,
            path=path,
            pinned_as_base=pinned_as_base,
            reasons=reasons,
            received_at=received_at,
            replica_id=replica_id,
            sending=sending,
            snapshot_id=snapshot_id,
            size_bytes=size_bytes,
        )


        planned_replica_dto.additional_properties = d
        return planned_replica_dto

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
