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






T = TypeVar("T", bound="TargetPatch")



@_attrs_define
class TargetPatch:
    """ Changes to a target; absent fields keep their value.

        Attributes:
            compression (Compression | None | Unset):
            directory (None | str | Unset):
            missing (Missing | None | Unset):
            rate_limit_bytes_per_sec (int | None | Unset): `null` removes the limit.
            strict_incremental (bool | None | Unset):
     """

    compression: Compression | None | Unset = UNSET
    directory: None | str | Unset = UNSET
    missing: Missing | None | Unset = UNSET
    rate_limit_bytes_per_sec: int | None | Unset = UNSET
    strict_incremental: bool | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        compression: None | str | Unset
        if isinstance(self.compression, Unset):
            compression = UNSET
        elif isinstance(self.compression, Compression):
            compression = self.compression.value
        else:
            compression = self.compression

        directory: None | str | Unset
        if isinstance(self.directory, Unset):
            directory = UNSET
        else:
            directory = self.directory

        missing: None | str | Unset
        if isinstance(self.missing, Unset):
            missing = UNSET
        elif isinstance(self.missing, Missing):
            missing = self.missing.value
        else:
            missing = self.missing

        rate_limit_bytes_per_sec: int | None | Unset
        if isinstance(self.rate_limit_bytes_per_sec, Unset):
            rate_limit_bytes_per_sec = UNSET
        else:
            rate_limit_bytes_per_sec = self.rate_limit_bytes_per_sec

        strict_incremental: bool | None | Unset
        if isinstance(self.strict_incremental, Unset):
            strict_incremental = UNSET
        else:
            strict_incremental = self.strict_incremental


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
        })
        if compression is not UNSET:
            field_dict["compression"] = compression
        if directory is not UNSET:
            field_dict["directory"] = directory
        if missing is not UNSET:
            field_dict["missing"] = missing
        if rate_limit_bytes_per_sec is not UNSET:
            field_dict["rate_limit_bytes_per_sec"] = rate_limit_bytes_per_sec
        if strict_incremental is not UNSET:
            field_dict["strict_incremental"] = strict_incremental

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        def _parse_compression(data: object) -> Compression | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                compression_type_1 = Compression(data)



                return compression_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Compression | None | Unset, data)

        compression = _parse_compression(d.pop("compression", UNSET))


        def _parse_directory(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        directory = _parse_directory(d.pop("directory", UNSET))


        def _parse_missing(data: object) -> Missing | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                missing_type_1 = Missing(data)



                return missing_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Missing | None | Unset, data)

        missing = _parse_missing(d.pop("missing", UNSET))


        def _parse_rate_limit_bytes_per_sec(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        rate_limit_bytes_per_sec = _parse_rate_limit_bytes_per_sec(d.pop("rate_limit_bytes_per_sec", UNSET))


        def _parse_strict_incremental(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        strict_incremental = _parse_strict_incremental(d.pop("strict_incremental", UNSET))


        target_patch = cls(
            compression=compression,
            directory=directory,
            missing=missing,
            rate_limit_bytes_per_sec=rate_limit_bytes_per_sec,
            strict_incremental=strict_incremental,
        )


        target_patch.additional_properties = d
        return target_patch

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
