from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.compression import Compression
from ..models.missing import Missing
from ..types import UNSET, Unset
from typing import cast
from uuid import UUID
import datetime






T = TypeVar("T", bound="Target")



@_attrs_define
class Target:
    """ A replication target.

        Attributes:
            compression (Compression): Stream compression: `zstd` compresses the stream on the primary and decompresses it
                on the target (`zstd` needed there; without it the stream goes uncompressed, with a
                warning recorded in the run).
            created_at (datetime.datetime):
            directory (str): Where snapshots are received, on the server.
            id (UUID):
            missing (Missing): Which snapshots a target receives.
            server_id (UUID): The remote server (SSH).
            strict_incremental (bool): Never send a full stream: fail when there is no common base.
            subvolume_id (UUID):
            updated_at (datetime.datetime):
            common_base_snapshot_id (None | Unset | UUID): The newest snapshot on both sides after the last success:
                retention on the
                primary keeps it.
            rate_limit_bytes_per_sec (int | None | Unset): Bytes per second; absent: unlimited.
     """

    compression: Compression
    created_at: datetime.datetime
    directory: str
    id: UUID
    missing: Missing
    server_id: UUID
    strict_incremental: bool
    subvolume_id: UUID
    updated_at: datetime.datetime
    common_base_snapshot_id: None | Unset | UUID = UNSET
    rate_limit_bytes_per_sec: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        compression = self.compression.value

        created_at = self.created_at.isoformat()

        directory = self.directory

        id = str(self.id)

        missing = self.missing.value

        server_id = str(self.server_id)

        strict_incremental = self.strict_incremental

        subvolume_id = str(self.subvolume_id)

        updated_at = self.updated_at.isoformat()

        common_base_snapshot_id: None | str | Unset
        if isinstance(self.common_base_snapshot_id, Unset):
            common_base_snapshot_id = UNSET
        elif isinstance(self.common_base_snapshot_id, UUID):
            common_base_snapshot_id = str(self.common_base_snapshot_id)
        else:
            common_base_snapshot_id = self.common_base_snapshot_id

        rate_limit_bytes_per_sec: int | None | Unset
        if isinstance(self.rate_limit_bytes_per_sec, Unset):
            rate_limit_bytes_per_sec = UNSET
        else:
            rate_limit_bytes_per_sec = self.rate_limit_bytes_per_sec


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "compression": compression,
            "created_at": created_at,
            "directory": directory,
            "id": id,
            "missing": missing,
            "server_id": server_id,
            "strict_incremental": strict_incremental,
            "subvolume_id": subvolume_id,
            "updated_at": updated_at,
        })
        if common_base_snapshot_id is not UNSET:
            field_dict["common_base_snapshot_id"] = common_base_snapshot_id
        if rate_limit_bytes_per_sec is not UNSET:
            field_dict["rate_limit_bytes_per_sec"] = rate_limit_bytes_per_sec

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        compression = Compression(d.pop("compression"))




        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))




        directory = d.pop("directory")

        id = UUID(d.pop("id"))




        missing = Missing(d.pop("missing"))




        server_id = UUID(d.pop("server_id"))




        strict_incremental = d.pop("strict_incremental")

        subvolume_id = UUID(d.pop("subvolume_id"))




        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))




        def _parse_common_base_snapshot_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                common_base_snapshot_id_type_0 = UUID(data)



                return common_base_snapshot_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        common_base_snapshot_id = _parse_common_base_snapshot_id(d.pop("common_base_snapshot_id", UNSET))


        def _parse_rate_limit_bytes_per_sec(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        rate_limit_bytes_per_sec = _parse_rate_limit_bytes_per_sec(d.pop("rate_limit_bytes_per_sec", UNSET))


        target = cls(
            compression=compression,
            created_at=created_at,
            directory=directory,
            id=id,
            missing=missing,
            server_id=server_id,
            strict_incremental=strict_incremental,
            subvolume_id=subvolume_id,
            updated_at=updated_at,
            common_base_snapshot_id=common_base_snapshot_id,
            rate_limit_bytes_per_sec=rate_limit_bytes_per_sec,
        )


        target.additional_properties = d
        return target

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
