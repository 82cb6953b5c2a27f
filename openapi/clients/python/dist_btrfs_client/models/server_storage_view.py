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
  from ..models.filesystem_storage import FilesystemStorage





T = TypeVar("T", bound="ServerStorageView")



@_attrs_define
class ServerStorageView:
    """ A server's storage as of its last collection.

        Attributes:
            collect_qgroups (bool): Whether collection reads per-subvolume sizes from qgroups. Quotas must be enabled
                on the filesystem by the operator (`btrfs quota enable`); they cost write
                performance on large filesystems and dist-btrfs never enables them.
            filesystems (list[FilesystemStorage]):
            server_id (UUID):
            server_name (str):
            attempted_at (datetime.datetime | None | Unset): When the last collection was attempted.
            error (None | str | Unset): Why the last collection failed; absent when it succeeded.
            qgroup_note (None | str | Unset): Why per-subvolume sizes are missing although qgroup collection is on.
            sampled_at (datetime.datetime | None | Unset): When the figures below were measured (the last successful
                collection).
     """

    collect_qgroups: bool
    filesystems: list[FilesystemStorage]
    server_id: UUID
    server_name: str
    attempted_at: datetime.datetime | None | Unset = UNSET
    error: None | str | Unset = UNSET
    qgroup_note: None | str | Unset = UNSET
    sampled_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.filesystem_storage import FilesystemStorage # noqa: PLC0415
        collect_qgroups = self.collect_qgroups

        filesystems = []
        for filesystems_item_data in self.filesystems:
            filesystems_item = filesystems_item_data.to_dict()
            filesystems.append(filesystems_item)



        server_id = str(self.server_id)

        server_name = self.server_name

        attempted_at: None | str | Unset
        if isinstance(self.attempted_at, Unset):
            attempted_at = UNSET
        elif isinstance(self.attempted_at, datetime.datetime):
            attempted_at = self.attempted_at.isoformat()
        else:
            attempted_at = self.attempted_at

        error: None | str | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        else:
            error = self.error

        qgroup_note: None | str | Unset
        if isinstance(self.qgroup_note, Unset):
            qgroup_note = UNSET
        else:
            qgroup_note = self.qgroup_note

        sampled_at: None | str | Unset
        if isinstance(self.sampled_at, Unset):
            sampled_at = UNSET
        elif isinstance(self.sampled_at, datetime.datetime):
            sampled_at = self.sampled_at.isoformat()
        else:
            sampled_at = self.sampled_at


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "collect_qgroups": collect_qgroups,
            "filesystems": filesystems,
            "server_id": server_id,
            "server_name": server_name,
        })
        if attempted_at is not UNSET:
            field_dict["attempted_at"] = attempted_at
        if error is not UNSET:
            field_dict["error"] = error
        if qgroup_note is not UNSET:
            field_dict["qgroup_note"] = qgroup_note
        if sampled_at is not UNSET:
            field_dict["sampled_at"] = sampled_at

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.filesystem_storage import FilesystemStorage # noqa: PLC0415
        d = dict(src_dict)
        collect_qgroups = d.pop("collect_qgroups")

        filesystems = []
        _filesystems = d.pop("filesystems")
        for filesystems_item_data in (_filesystems):
            filesystems_item = FilesystemStorage.from_dict(filesystems_item_data)



            filesystems.append(filesystems_item)


        server_id = UUID(d.pop("server_id"))




        server_name = d.pop("server_name")

        def _parse_attempted_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                attempted_at_type_0 = datetime.datetime.fromisoformat(data)



                return attempted_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        attempted_at = _parse_attempted_at(d.pop("attempted_at", UNSET))


        def _parse_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error = _parse_error(d.pop("error", UNSET))


        def _parse_qgroup_note(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        qgroup_note = _parse_qgroup_note(d.pop("qgroup_note", UNSET))


        def _parse_sampled_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                sampled_at_type_0 = datetime.datetime.fromisoformat(data)



                return sampled_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        sampled_at = _parse_sampled_at(d.pop("sampled_at", UNSET))


        server_storage_view = cls(
            collect_qgroups=collect_qgroups,
            filesystems=filesystems,
            server_id=server_id,
            server_name=server_name,
            attempted_at=attempted_at,
            error=error,
            qgroup_note=qgroup_note,
            sampled_at=sampled_at,
        )


        server_storage_view.additional_properties = d
        return server_storage_view

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
