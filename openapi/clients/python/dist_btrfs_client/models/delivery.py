from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.delivery_state import DeliveryState
from ..models.notice import Notice
from ..models.problem_kind import ProblemKind
from ..models.severity import Severity
from ..types import UNSET, Unset
from typing import cast
from uuid import UUID
import datetime






T = TypeVar("T", bound="Delivery")



@_attrs_define
class Delivery:
    """ One notification to one channel.

        Attributes:
            attempts (int):
            channel_id (UUID):
            id (UUID):
            notice (Notice): What a notification says.
            queued_at (datetime.datetime):
            repeat (bool): A firing alert sent again after the rule's repeat interval.
            state (DeliveryState): Where a delivery stands.
            summary (str):
            alert_key (None | str | Unset):
            detail (None | str | Unset): The channel's answer when delivered (`HTTP 200`, `SMTP 250 ...`).
            finished_at (datetime.datetime | None | Unset):
            kind (None | ProblemKind | Unset):
            last_error (None | str | Unset):
            rule_id (None | Unset | UUID):
            severity (None | Severity | Unset):
     """

    attempts: int
    channel_id: UUID
    id: UUID
    notice: Notice
    queued_at: datetime.datetime
    repeat: bool
    state: DeliveryState
    summary: str
    alert_key: None | str | Unset = UNSET
    detail: None | str | Unset = UNSET
    finished_at: datetime.datetime | None | Unset = UNSET
    kind: None | ProblemKind | Unset = UNSET
    last_error: None | str | Unset = UNSET
    rule_id: None | Unset | UUID = UNSET
    severity: None | Severity | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        attempts = self.attempts

        channel_id = str(self.channel_id)

        id = str(self.id)

        notice = self.notice.value

        queued_at = self.queued_at.isoformat()

        repeat = self.repeat

        state = self.state.value

        summary = self.summary

        alert_key: None | str | Unset
        if isinstance(self.alert_key, Unset):
            alert_key = UNSET
        else:
            alert_key = self.alert_key

        detail: None | str | Unset
        if isinstance(self.detail, Unset):
            detail = UNSET
        else:
            detail = self.detail

        finished_at: None | str | Unset
        if isinstance(self.finished_at, Unset):
            finished_at = UNSET
        elif isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        kind: None | str | Unset
        if isinstance(self.kind, Unset):
            kind = UNSET
        elif isinstance(self.kind, ProblemKind):
            kind = self.kind.value
        else:
            kind = self.kind

        last_error: None | str | Unset
        if isinstance(self.last_error, Unset):
            last_error = UNSET
        else:
            last_error = self.last_error

        rule_id: None | str | Unset
        if isinstance(self.rule_id, Unset):
            rule_id = UNSET
        elif isinstance(self.rule_id, UUID):
            rule_id = str(self.rule_id)
        else:
            rule_id = self.rule_id

        severity: None | str | Unset
        if isinstance(self.severity, Unset):
            severity = UNSET
        elif isinstance(self.severity, Severity):
            severity = self.severity.value
        else:
            severity = self.severity


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "attempts": attempts,
            "channel_id": channel_id,
            "id": id,
            "notice": notice,
            "queued_at": queued_at,
            "repeat": repeat,
            "state": state,
            "summary": summary,
        })
        if alert_key is not UNSET:
            field_dict["alert_key"] = alert_key
        if detail is not UNSET:
            field_dict["detail"] = detail
        if finished_at is not UNSET:
            field_dict["finished_at"] = finished_at
        if kind is not UNSET:
            field_dict["kind"] = kind
        if last_error is not UNSET:
            field_dict["last_error"] = last_error
        if rule_id is not UNSET:
            field_dict["rule_id"] = rule_id
        if severity is not UNSET:
            field_dict["severity"] = severity

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        attempts = d.pop("attempts")

        channel_id = UUID(d.pop("channel_id"))




        id = UUID(d.pop("id"))




        notice = Notice(d.pop("notice"))




        queued_at = datetime.datetime.fromisoformat(d.pop("queued_at"))




        repeat = d.pop("repeat")

        state = DeliveryState(d.pop("state"))




        summary = d.pop("summary")

        def _parse_alert_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        alert_key = _parse_alert_key(d.pop("alert_key", UNSET))


        def _parse_detail(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        detail = _parse_detail(d.pop("detail", UNSET))


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


        def _parse_kind(data: object) -> None | ProblemKind | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                kind_type_1 = ProblemKind(data)



                return kind_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ProblemKind | Unset, data)

        kind = _parse_kind(d.pop("kind", UNSET))


        def _parse_last_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_error = _parse_last_error(d.pop("last_error", UNSET))


        def _parse_rule_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                rule_id_type_0 = UUID(data)



                return rule_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        rule_id = _parse_rule_id(d.pop("rule_id", UNSET))


        def _parse_severity(data: object) -> None | Severity | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                severity_type_1 = Severity(data)



                return severity_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Severity | Unset, data)

        severity = _parse_severity(d.pop("severity", UNSET))


        delivery = cls(
            attempts=attempts,
            channel_id=channel_id,
            id=id,
            notice=notice,
            queued_at=queued_at,
            repeat=repeat,
            state=state,
            summary=summary,
            alert_key=alert_key,
            detail=detail,
            finished_at=finished_at,
            kind=kind,
            last_error=last_error,
            rule_id=rule_id,
            severity=severity,
        )


        delivery.additional_properties = d
        return delivery

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
