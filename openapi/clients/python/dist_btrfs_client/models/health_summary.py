from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset







T = TypeVar("T", bound="HealthSummary")



@_attrs_define
class HealthSummary:
    """ How many (subvolume, target) pairs are in each state.

        Attributes:
            failing (int):
            late (int):
            never_replicated (int):
            ok (int):
            total (int):
     """

    failing: int
    late: int
    never_replicated: int
    ok: int
    total: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        failing = self.failing

        late = self.late

        never_replicated = self.never_replicated

        ok = self.ok

        total = self.total


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "failing": failing,
            "late": late,
            "never_replicated": never_replicated,
            "ok": ok,
            "total": total,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        failing = d.pop("failing")

        late = d.pop("late")

        never_replicated = d.pop("never_replicated")

        ok = d.pop("ok")

        total = d.pop("total")

        health_summary = cls(
            failing=failing,
            late=late,
            never_replicated=never_replicated,
            ok=ok,
            total=total,
        )


        health_summary.additional_properties = d
        return health_summary

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
