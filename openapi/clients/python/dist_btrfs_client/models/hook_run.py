from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
import datetime






T = TypeVar("T", bound="HookRun")



@_attrs_define
class HookRun:
    """ One run of a hook.

        Attributes:
            at (datetime.datetime):
            duration_ms (int):
            hook (str):
            message (str): The end of its error output (or why it could not run); empty when it succeeded.
            outcome (str): `ok`, `failed`, `timed_out`, `not_found` or `unreachable`.
            snapshot (str): The snapshot it ran for.
            exit_code (int | None | Unset):
     """

    at: datetime.datetime
    duration_ms: int
    hook: str
    message: str
    outcome: str
    snapshot: str
    exit_code: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        at = self.at.isoformat()

        duration_ms = self.duration_ms

        hook = self.hook

        message = self.message

        outcome = self.outcome

        snapshot = self.snapshot

        exit_code: int | None | Unset
        if isinstance(self.exit_code, Unset):
            exit_code = UNSET
        else:
            exit_code = self.exit_code


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "at": at,
            "duration_ms": duration_ms,
            "hook": hook,
            "message": message,
            "outcome": outcome,
            "snapshot": snapshot,
        })
        if exit_code is not UNSET:
            field_dict["exit_code"] = exit_code

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        at = datetime.datetime.fromisoformat(d.pop("at"))




        duration_ms = d.pop("duration_ms")

        hook = d.pop("hook")

        message = d.pop("message")

        outcome = d.pop("outcome")

        snapshot = d.pop("snapshot")

        def _parse_exit_code(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        exit_code = _parse_exit_code(d.pop("exit_code", UNSET))


        hook_run = cls(
            at=at,
            duration_ms=duration_ms,
            hook=hook,
            message=message,
            outcome=outcome,
            snapshot=snapshot,
            exit_code=exit_code,
        )


        hook_run.additional_properties = d
        return hook_run

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
