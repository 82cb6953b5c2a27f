from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.restore_mode import RestoreMode
from ..models.restore_state import RestoreState
from ..types import UNSET, Unset
from typing import cast
from uuid import UUID
import datetime






T = TypeVar("T", bound="Restore")



@_attrs_define
class Restore:
    """ A restore.

        Attributes:
            attempts (int):
            bytes_ (int):
            destination (str):
            id (UUID):
            kept_beside (list[str]): `files`: the restored paths written beside an existing file (empty for a viewer).
            mode (RestoreMode): What a restore does.
            overwrite (bool):
            paths (list[str]): `files`: the paths restored (empty for a viewer: file names are the users' data).
            requested_at (datetime.datetime):
            requested_by (str):
            server_id (UUID):
            snapshot_id (UUID):
            state (RestoreState): Where a restore stands.
            subvolume_id (UUID):
            error (None | str | Unset): Why it failed (for a viewer only that it failed: the text can name files).
            files_copied (int | None | Unset):
            finished_at (datetime.datetime | None | Unset):
            incremental_from (None | Unset | UUID): From a replica: the snapshot the stream was incremental against (absent:
                full).
            pre_restore_snapshot_id (None | Unset | UUID): A rollback's held snapshot of the state before.
            rate_bytes_per_sec (int | None | Unset):
            replica_target_id (None | Unset | UUID): The target whose replica the snapshot came back from, when restored
                from one.
            result_path (None | str | Unset): What the restore made (the new subvolume, the rolled-back subvolume, the
                directory files went to).
            sample_percent (int | None | Unset): `verify`: the percentage of files whose content digests are compared.
            started_at (datetime.datetime | None | Unset):
     """

    attempts: int
    bytes_: int
    destination: str
    id: UUID
    kept_beside: list[str]
    mode: RestoreMode
    overwrite: bool
    paths: list[str]
    requested_at: datetime.datetime
    requested_by: str
    server_id: UUID
    snapshot_id: UUID
    state: RestoreState
    subvolume_id: UUID
    error: None | str | Unset = UNSET
    files_copied: int | None | Unset = UNSET
    finished_at: datetime.datetime | None | Unset = UNSET
    incremental_from: None | Unset | UUID = UNSET
    pre_restore_snapshot_id: None | Unset | UUID = UNSET
    rate_bytes_per_sec: int | None | Unset = UNSET
    replica_target_id: None | Unset | UUID = UNSET
    result_path: None | str | Unset = UNSET
    sample_percent: int | None | Unset = UNSET
    started_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        attempts = self.attempts

        bytes_ = self.bytes_

        destination = self.destination

        id = str(self.id)

        kept_beside = self.kept_beside



        mode = self.mode.value

        overwrite = self.overwrite

        paths = self.paths



        requested_at = self.requested_at.isoformat()

        requested_by = self.requested_by

        server_id = str(self.server_id)

        snapshot_id = str(self.snapshot_id)

        state = self.state.value

        subvolume_id = str(self.subvolume_id)

        error: None | str | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        else:
            error = self.error

        files_copied: int | None | Unset
        if isinstance(self.files_copied, Unset):
            files_copied = UNSET
        else:
            files_copied = self.files_copied

        finished_at: None | str | Unset
        if isinstance(self.finished_at, Unset):
            finished_at = UNSET
        elif isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        incremental_from: None | str | Unset
        if isinstance(self.incremental_from, Unset):
            incremental_from = UNSET
        elif isinstance(self.incremental_from, UUID):
            incremental_from = str(self.incremental_from)
        else:
            incremental_from = self.incremental_from

        pre_restore_snapshot_id: None | str | Unset
        if isinstance(self.pre_restore_snapshot_id, Unset):
            pre_restore_snapshot_id = UNSET
        elif isinstance(self.pre_restore_snapshot_id, UUID):
            pre_restore_snapshot_id = str(self.pre_restore_snapshot_id)
        else:
            pre_restore_snapshot_id = self.pre_restore_snapshot_id

        rate_bytes_per_sec: int | None | Unset
        if isinstance(self.rate_bytes_per_sec, Unset):
            rate_bytes_per_sec = UNSET
        else:
            rate_bytes_per_sec = self.rate_bytes_per_sec

        replica_target_id: None | str | Unset
        if isinstance(self.replica_target_id, Unset):
            replica_target_id = UNSET
        elif isinstance(self.replica_target_id, UUID):
            replica_target_id = str(self.replica_target_id)
        else:
            replica_target_id = self.replica_target_id

        result_path: None | str | Unset
        if isinstance(self.result_path, Unset):
            result_path = UNSET
        else:
            result_path = self.result_path

        sample_percent: int | None | Unset
        if isinstance(self.sample_percent, Unset):
            sample_percent = UNSET
        else:
            sample_percent = self.sample_percent

        started_at: None | str | Unset
        if isinstance(self.started_at, Unset):
            started_at = UNSET
        elif isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "attempts": attempts,
            "bytes": bytes_,
            "destination": destination,
            "id": id,
            "kept_beside": kept_beside,
            "mode": mode,
            "overwrite": overwrite,
            "paths": paths,
            "requested_at": requested_at,
            "requested_by": requested_by,
            "server_id": server_id,
            "snapshot_id": snapshot_id,
            "state": state,
            "subvolume_id": subvolume_id,
        })
        if error is not UNSET:
            field_dict["error"] = error
        if files_copied is not UNSET:
            field_dict["files_copied"] = files_copied
        if finished_at is not UNSET:
            field_dict["finished_at"] = finished_at
        if incremental_from is not UNSET:
            field_dict["incremental_from"] = incremental_from
        if pre_restore_snapshot_id is not UNSET:
            field_dict["pre_restore_snapshot_id"] = pre_restore_snapshot_id
        if rate_bytes_per_sec is not UNSET:
            field_dict["rate_bytes_per_sec"] = rate_bytes_per_sec
        if replica_target_id is not UNSET:
            field_dict["replica_target_id"] = replica_target_id
        if result_path is not UNSET:
            field_dict["result_path"] = result_path
        if sample_percent is not UNSET:
            field_dict["sample_percent"] = sample_percent
        if started_at is not UNSET:
            field_dict["started_at"] = started_at

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        attempts = d.pop("attempts")

        bytes_ = d.pop("bytes")

        destination = d.pop("destination")

        id = UUID(d.pop("id"))




        kept_beside = cast(list[str], d.pop("kept_beside"))


        mode = RestoreMode(d.pop("mode"))




        overwrite = d.pop("overwrite")

        paths = cast(list[str], d.pop("paths"))


        requested_at = datetime.datetime.fromisoformat(d.pop("requested_at"))




        requested_by = d.pop("requested_by")

        server_id = UUID(d.pop("server_id"))




        snapshot_id = UUID(d.pop("snapshot_id"))




        state = RestoreState(d.pop("state"))




        subvolume_id = UUID(d.pop("subvolume_id"))




        def _parse_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error = _parse_error(d.pop("error", UNSET))


        def _parse_files_copied(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        files_copied = _parse_files_copied(d.pop("files_copied", UNSET))


        def _parse_finished_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)



                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        finished_at = _parse_finished_at(d.pop("finished_at", UNSET))


        def _parse_incremental_from(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                incremental_from_type_0 = UUID(data)



                return incremental_from_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        incremental_from = _parse_incremental_from(d.pop("incremental_from", UNSET))


        def _parse_pre_restore_snapshot_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                pre_restore_snapshot_id_type_0 = UUID(data)



                return pre_restore_snapshot_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        pre_restore_snapshot_id = _parse_pre_restore_snapshot_id(d.pop("pre_restore_snapshot_id", UNSET))


        def _parse_rate_bytes_per_sec(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        rate_bytes_per_sec = _parse_rate_bytes_per_sec(d.pop("rate_bytes_per_sec", UNSET))


        def _parse_replica_target_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                replica_target_id_type_0 = UUID(data)



                return replica_target_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        replica_target_id = _parse_replica_target_id(d.pop("replica_target_id", UNSET))


        def _parse_result_path(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        result_path = _parse_result_path(d.pop("result_path", UNSET))


        def _parse_sample_percent(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        sample_percent = _parse_sample_percent(d.pop("sample_percent", UNSET))


        def _parse_started_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)



                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        started_at = _parse_started_at(d.pop("started_at", UNSET))


        restore = cls(
            attempts=attempts,
            bytes_=bytes_,
            destination=destination,
            id=id,
            kept_beside=kept_beside,
            mode=mode,
            overwrite=overwrite,
            paths=paths,
            requested_at=requested_at,
            requested_by=requested_by,
            server_id=server_id,
            snapshot_id=snapshot_id,
            state=state,
            subvolume_id=subvolume_id,
            error=error,
            files_copied=files_copied,
            finished_at=finished_at,
            incremental_from=incremental_from,
            pre_restore_snapshot_id=pre_restore_snapshot_id,
            rate_bytes_per_sec=rate_bytes_per_sec,
            replica_target_id=replica_target_id,
            result_path=result_path,
            sample_percent=sample_percent,
            started_at=started_at,
        )


        restore.additional_properties = d
        return restore

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
