from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
import datetime






T = TypeVar("T", bound="Verification")



@_attrs_define
class Verification:
    """ The result of checking a replica against its source snapshot.

        Attributes:
            files_compared (int):
            mismatches (list[str]): The first differences found.
            ok (bool):
            sample_percent (int):
            verified_at (datetime.datetime):
     """

    files_compared: int
    mismatches: list[str]
    ok: bool
    sample_percent: int
    verified_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        files_compared = self.files_compared

        mismatches = self.mismatches



        ok = self.ok

        sample_percent = self.sample_percent

        verified_at = self.verified_at.isoformat()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "files_compared": files_compared,
            "mismatches": mismatches,
            "ok": ok,
            "sample_percent": sample_percent,
            "verified_at": verified_at,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        files_compared = d.pop("files_compared")

        mismatches = cast(list[str], d.pop("mismatches"))


        ok = d.pop("ok")

        sample_percent = d.pop("sample_percent")

        verified_at = datetime.datetime.fromisoformat(d.pop("verified_at"))




        verification = cls(
            files_compared=files_compared,
            mismatches=mismatches,
            ok=ok,
            sample_percent=sample_percent,
            verified_at=verified_at,
        )


        verification.additional_properties = d
        return verification

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
