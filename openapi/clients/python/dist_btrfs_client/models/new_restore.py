from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.restore_mode import RestoreMode
from ..types import UNSET, Unset
from typing import cast
from uuid import UUID






T = TypeVar("T", bound="NewRestore")



@_attrs_define
class NewRestore:
    """ A restore to carry out.

        Attributes:
            mode (RestoreMode): What a restore does.
            snapshot_id (UUID):
            destination (None | str | Unset): `new_subvolume`: the new subvolume's absolute path, inside the server's
                allowed
                roots; it must not exist. `snapshot` with `destination_server_id`: the existing
                directory on that server the copy is received into.
            destination_server_id (None | Unset | UUID): `snapshot` only: receive the replica onto this registered server
                instead of the
                primary (a read-only copy at `destination/<snapshot name>`, not catalogued;
                incremental against an earlier copy in that directory).
            overwrite (bool | None | Unset): `files`: replace existing files; otherwise the restored file is written beside
                an existing one as `NAME.restored-<time>`. Default: False.
            paths (list[str] | None | Unset): `files`: paths inside the snapshot (relative; no `..`).
            source_replica_id (None | Unset | UUID): Restore from this replica of the snapshot (required when the primary
                lost the
                snapshot): it is received back first (incremental when a common snapshot is on
                both sides), then the mode runs.
     """

    mode: RestoreMode
    snapshot_id: UUID
    destination: None | str | Unset = UNSET
    destination_server_id: None | Unset | UUID = UNSET
    overwrite: bool | None | Unset = False
    paths: list[str] | None | Unset = UNSET
    source_replica_id: None | Unset | UUID = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        mode = self.mode.value

        snapshot_id = str(self.snapshot_id)

        destination: None | str | Unset
        if isinstance(self.destination, Unset):
            destination = UNSET
        else:
            destination = self.destination

        destination_server_id: None | str | Unset
        if isinstance(self.destination_server_id, Unset):
            destination_server_id = UNSET
        elif isinstance(self.destination_server_id, UUID):
            destination_server_id = str(self.destination_server_id)
        else:
            destination_server_id = self.destination_server_id

        overwrite: bool | None | Unset
        if isinstance(self.overwrite, Unset):
            overwrite = UNSET
        else:
            overwrite = self.overwrite

        paths: list[str] | None | Unset
        if isinstance(self.paths, Unset):
            paths = UNSET
        elif isinstance(self.paths, list):
            paths = self.paths


        else:
            paths = self.paths

        source_replica_id: None | str | Unset
        if isinstance(self.source_replica_id, Unset):
            source_replica_id = UNSET
        elif isinstance(self.source_replica_id, UUID):
            source_replica_id = str(self.source_replica_id)
        else:
            source_replica_id = self.source_replica_id


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "mode": mode,
            "snapshot_id": snapshot_id,
        })
        if destination is not UNSET:
            field_dict["destination"] = destination
        if destination_server_id is not UNSET:
            field_dict["destination_server_id"] = destination_server_id
        if overwrite is not UNSET:
            field_dict["overwrite"] = overwrite
        if paths is not UNSET:
            field_dict["paths"] = paths
        if source_replica_id is not UNSET:
            field_dict["source_replica_id"] = source_replica_id

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        mode = RestoreMode(d.pop("mode"))




        snapshot_id = UUID(d.pop("snapshot_id"))




        def _parse_destination(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        destination = _parse_destination(d.pop("destination", UNSET))


        def _parse_destination_server_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                destination_server_id_type_0 = UUID(data)



                return destination_server_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        destination_server_id = _parse_destination_server_id(d.pop("destination_server_id", UNSET))


        def _parse_overwrite(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        overwrite = _parse_overwrite(d.pop("overwrite", UNSET))


        def _parse_paths(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                paths_type_0 = cast(list[str], data)

                return paths_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        paths = _parse_paths(d.pop("paths", UNSET))


        def _parse_source_replica_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                source_replica_id_type_0 = UUID(data)



                return source_replica_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        source_replica_id = _parse_source_replica_id(d.pop("source_replica_id", UNSET))


        new_restore = cls(
            mode=mode,
            snapshot_id=snapshot_id,
            destination=destination,
            destination_server_id=destination_server_id,
            overwrite=overwrite,
            paths=paths,
            source_replica_id=source_replica_id,
        )


        new_restore.additional_properties = d
        return new_restore

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
