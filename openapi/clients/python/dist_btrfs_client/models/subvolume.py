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
  from ..models.snapshot_hooks import SnapshotHooks





T = TypeVar("T", bound="Subvolume")



@_attrs_define
class Subvolume:
    """ A managed (or formerly managed) subvolume.

        Attributes:
            btrfs_id (int):
            btrfs_uuid (UUID):
            hooks (SnapshotHooks): A subvolume's snapshot hooks and how each last ran.
            id (UUID):
            managed (bool): False once dist-btrfs stopped managing it.
            managed_at (datetime.datetime):
            name (str): Prefix of its snapshots' names.
            path (str): Absolute path on the server.
            server_id (UUID):
            snapshot_dir (str): Where its snapshots are created.
            last_snapshot_error (None | str | Unset): Why the last snapshot attempt failed (cleared by the next success).
            last_snapshot_error_at (datetime.datetime | None | Unset):
            unmanaged_at (datetime.datetime | None | Unset):
     """

    btrfs_id: int
    btrfs_uuid: UUID
    hooks: SnapshotHooks
    id: UUID
    managed: bool
    managed_at: datetime.datetime
    name: str
    path: str
    server_id: UUID
    snapshot_dir: str
    last_snapshot_error: None | str | Unset = UNSET
    last_snapshot_error_at: datetime.datetime | None | Unset = UNSET
    unmanaged_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.snapshot_hooks import SnapshotHooks # noqa: PLC0415
        btrfs_id = self.btrfs_id

        btrfs_uuid = str(self.btrfs_uuid)

        hooks = self.hooks.to_dict()

        id = str(self.id)

        managed = self.managed

        managed_at = self.managed_at.isoformat()

        name = self.name

        path = self.path

        server_id = str(self.server_id)

        snapshot_dir = self.snapshot_dir

        last_snapshot_error: None | str | Unset
        if isinstance(self.last_snapshot_error, Unset):
            last_snapshot_error = UNSET
        else:
            last_snapshot_error = self.last_snapshot_error

        last_snapshot_error_at: None | str | Unset
        if isinstance(self.last_snapshot_error_at, Unset):
            last_snapshot_error_at = UNSET
        elif isinstance(self.last_snapshot_error_at, datetime.datetime):
            last_snapshot_error_at = self.last_snapshot_error_at.isoformat()
        else:
            last_snapshot_error_at = self.last_snapshot_error_at

        unmanaged_at: None | str | Unset
        if isinstance(self.unmanaged_at, Unset):
            unmanaged_at = UNSET
        elif isinstance(self.unmanaged_at, datetime.datetime):
            unmanaged_at = self.unmanaged_at.isoformat()
        else:
            unmanaged_at = self.unmanaged_at


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "btrfs_id": btrfs_id,
            "btrfs_uuid": btrfs_uuid,
            "hooks": hooks,
            "id": id,
            "managed": managed,
            "managed_at": managed_at,
            "name": name,
            "path": path,
            "server_id": server_id,
            "snapshot_dir": snapshot_dir,
        })
        if last_snapshot_error is not UNSET:
            field_dict["last_snapshot_error"] = last_snapshot_error
        if last_snapshot_error_at is not UNSET:
            field_dict["last_snapshot_error_at"] = last_snapshot_error_at
        if unmanaged_at is not UNSET:
            field_dict["unmanaged_at"] = unmanaged_at

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.snapshot_hooks import SnapshotHooks # noqa: PLC0415
        d = dict(src_dict)
        btrfs_id = d.pop("btrfs_id")

        btrfs_uuid = UUID(d.pop("btrfs_uuid"))




        hooks = SnapshotHooks.from_dict(d.pop("hooks"))




        id = UUID(d.pop("id"))




        managed = d.pop("managed")

        managed_at = datetime.datetime.fromisoformat(d.pop("managed_at"))




        name = d.pop("name")

        path = d.pop("path")

        server_id = UUID(d.pop("server_id"))




        snapshot_dir = d.pop("snapshot_dir")

        def _parse_last_snapshot_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_snapshot_error = _parse_last_snapshot_error(d.pop("last_snapshot_error", UNSET))


        def _parse_last_snapshot_error_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_snapshot_error_at_type_0 = datetime.datetime.fromisoformat(data)



                return last_snapshot_error_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        last_snapshot_error_at = _parse_last_snapshot_error_at(d.pop("last_snapshot_error_at", UNSET))


        def _parse_unmanaged_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                unmanaged_at_type_0 = datetime.datetime.fromisoformat(data)



                return unmanaged_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        unmanaged_at = _parse_unmanaged_at(d.pop("unmanaged_at", UNSET))


        subvolume = cls(
            btrfs_id=btrfs_id,
            btrfs_uuid=btrfs_uuid,
            hooks=hooks,
            id=id,
            managed=managed,
            managed_at=managed_at,
            name=name,
            path=path,
            server_id=server_id,
            snapshot_dir=snapshot_dir,
            last_snapshot_error=last_snapshot_error,
            last_snapshot_error_at=last_snapshot_error_at,
            unmanaged_at=unmanaged_at,
        )


        subvolume.additional_properties = d
        return subvolume

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
