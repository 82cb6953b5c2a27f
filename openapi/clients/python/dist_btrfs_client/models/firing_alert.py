from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.problem_kind import ProblemKind
from ..models.severity import Severity
from typing import cast
from uuid import UUID
import datetime






T = TypeVar("T", bound="FiringAlert")



@_attrs_define
class FiringAlert:
    """ An alert firing now: one problem as one rule notified it.

        Attributes:
            first_fired_at (datetime.datetime):
            key (str):
            kind (ProblemKind): What kind of thing is wrong.
            last_notified_at (datetime.datetime):
            rule_id (UUID):
            severity (Severity): How bad: the fleet status is the worst of its problems.
            summary (str):
     """

    first_fired_at: datetime.datetime
    key: str
    kind: ProblemKind
    last_notified_at: datetime.datetime
    rule_id: UUID
    severity: Severity
    summary: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        first_fired_at = self.first_fired_at.isoformat()

        key = self.key

        kind = self.kind.value

        last_notified_at = self.last_notified_at.isoformat()

        rule_id = str(self.rule_id)

        severity = self.severity.value

        summary = self.summary


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "first_fired_at": first_fired_at,
            "key": key,
            "kind": kind,
            "last_notified_at": last_notified_at,
            "rule_id": rule_id,
            "severity": severity,
            "summary": summary,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        first_fired_at = datetime.datetime.fromisoformat(d.pop("first_fired_at"))




        key = d.pop("key")

        kind = ProblemKind(d.pop("kind"))




        last_notified_at = datetime.datetime.fromisoformat(d.pop("last_notified_at"))




        rule_id = UUID(d.pop("rule_id"))




        severity = Severity(d.pop("severity"))




        summary = d.pop("summary")

        firing_alert = cls(
            first_fired_at=first_fired_at,
            key=key,
            kind=kind,
            last_notified_at=last_notified_at,
            rule_id=rule_id,
            severity=severity,
            summary=summary,
        )


        firing_alert.additional_properties = d
        return firing_alert

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
