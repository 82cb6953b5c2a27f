from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.origin import Origin
from ..models.state import State
from ..types import UNSET, Unset
from typing import cast
from uuid import UUID
import datetime






T = TypeVar("T", bound="Snapshot")



@_attrs_define
class Snapshot:
    """ A catalogued snapshot.

        Attributes:
            btrfs_id (int):
            id (UUID):
            managed (bool): Whether dist-btrfs may delete it: true when it created it or it was adopted.
            name (str):
            origin (Origin): Who made a snapshot.
            parent_uuid (UUID): The btrfs uuid of the subvolume it is a snapshot of.
            path (str): Absolute path on the server.
            recorded_at (datetime.datetime): When it entered the catalog.
            state (State): Where a snapshot stands.
            subvolume_id (UUID):
            uuid (UUID): The snapshot's btrfs uuid.
            created_at (datetime.datetime | None | Unset): When it was taken (for discovered snapshots, btrfs' creation time
                when known).
            gone_at (datetime.datetime | None | Unset): When it was deleted or found vanished.
            held (None | str | Unset): Why it is held (`pre-restore`: a rollback's state before), never pruned until
                released; absent when not held.
            last_error (None | str | Unset): Why the last delete attempt failed, if it did.
            size_bytes (int | None | Unset): Exclusive size in bytes (what deleting it would free), when known: measured
                from
                qgroups by storage collection when the server's `collect_qgroups` is on.
     """

    btrfs_id: int
    id: UUID
    managed: bool
    name: str
    origin: Origin
    parent_uuid: UUID
    path: str
    recorded_at: datetime.datetime
    state: State
    subvolume_id: UUID
    uuid: UUID
    created_at: datetime.datetime | None | Unset = UNSET
    gone_at: datetime.datetime | None | Unset = UNSET
    held: None | str | Unset = UNSET
    last_error: None | str | Unset = UNSET
    size_bytes: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        btrfs_id = self.btrfs_id

        id = str(self.id)

        managed = self.managed

        name = self.name

        origin = self.origin.value

        parent_uuid = str(self.parent_uuid)

        path = self.path

        recorded_at = self.recorded_at.isoformat()

        state = self.state.value

        subvolume_id = str(self.subvolume_id)

        uuid = str(self.uuid)

        created_at: None | str | Unset
        if isinstance(self.created_at, Unset):
            created_at = UNSET
        elif isinstance(self.created_at, datetime.datetime):
            created_at = self.created_at.isoformat()
        else:
            created_at = self.created_at

        gone_at: None | str | Unset
        if isinstance(self.gone_at, Unset):
            gone_at = UNSET
        elif isinstance(self.gone_at, datetime.datetime):
            gone_at = self.gone_at.isoformat()
        else:
            gone_at = self.gone_at

        held: None | str | Unset
        if isinstance(self.held, Unset):
            held = UNSET
        else:
            held = self.held

        last_error: None | str | Unset
        if isinstance(self.last_error, Unset):
            last_error = UNSET
        else:
            last_error = self.last_error

        size_bytes: int | None | Unset
        if isinstance(self.size_bytes, Unset):
            size_bytes = UNSET
        else:
            size_bytes = self.size_bytes


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "btrfs_id": btrfs_id,
            "id": id,
            "managed": managed,
            "name": name,
            "origin": origin,
            "parent_uuid": parent_uuid,
            "path": path,
            "recorded_at": recorded_at,
            "state": state,
            "subvolume_id": subvolume_id,
            "uuid": uuid,
        })
        if created_at is not UNSET:
            field_dict["created_at"] = created_at
        if gone_at is not UNSET:
            field_dict["gone_at"] = gone_at
        if held is not UNSET:
            field_dict["held"] = held
        if last_error is not UNSET:
            field_dict["last_error"] = last_error
        if size_bytes is not UNSET:
            field_dict["size_bytes"] = size_bytes

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        btrfs_id = d.pop("btrfs_id")

        id = UUID(d.pop("id"))




        managed = d.pop("managed")

        name = d.pop("name")

        origin = Origin(d.pop("origin"))




        parent_uuid = UUID(d.pop("parent_uuid"))




        path = d.pop("path")

        recorded_at = datetime.datetime.fromisoformat(d.pop("recorded_at"))




        state = State(d.pop("state"))




        subvolume_id = UUID(d.pop("subvolume_id"))




        uuid = UUID(d.pop("uuid"))




        def _parse_created_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                created_at_type_0 = datetime.datetime.fromisoformat(data)



                return created_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        created_at = _parse_created_at(d.pop("created_at", UNSET))


        def _parse_gone_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                gone_at_type_0 = datetime.datetime.fromisoformat(data)



                return gone_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        gone_at = _parse_gone_at(d.pop("gone_at", UNSET))


        def _parse_held(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        held = _parse_held(d.pop("held", UNSET))


        def _parse_last_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_error = _parse_last_error(d.pop("last_error", UNSET))


        def _parse_size_bytes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        size_bytes = _parse_size_bytes(d.pop("size_bytes", UNSET))


        snapshot = cls(
            btrfs_id=btrfs_id,
            id=id,
            managed=managed,
            name=name,
            origin=origin,
            parent_uuid=parent_uuid,
            path=path,
            recorded_at=recorded_at,
            state=state,
            subvolume_id=subvolume_id,
            uuid=uuid,
            created_at=created_at,
            gone_at=gone_at,
            held=held,
            last_error=last_error,
            size_bytes=size_bytes,
        )


        snapshot.additional_properties = d
        return snapshot

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
