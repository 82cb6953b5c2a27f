from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset







T = TypeVar("T", bound="CheckResult")



@_attrs_define
class CheckResult:
    """ The result of one server check.

        Attributes:
            detail (str):
            duration_ms (int):
            name (str): `connect`, `btrfs_version`, `root_on_btrfs:<root>`, `free_space:<root>`.
            ok (bool):
     """

    detail: str
    duration_ms: int
    name: str
    ok: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        detail = self.detail

        duration_ms = self.duration_ms

        name = self.name

        ok = self.ok


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "detail": detail,
            "duration_ms": duration_ms,
            "name": name,
            "ok": ok,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        detail = d.pop("detail")

        duration_ms = d.pop("duration_ms")

        name = d.pop("name")

        ok = d.pop("ok")

        check_result = cls(
            detail=detail,
            duration_ms=duration_ms,
            name=name,
            ok=ok,
        )


        check_result.additional_properties = d
        return check_result

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
