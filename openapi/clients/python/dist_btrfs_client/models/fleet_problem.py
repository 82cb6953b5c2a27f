from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.problem_kind import ProblemKind
from ..models.severity import Severity
from ..types import UNSET, Unset
from typing import cast
from uuid import UUID
import datetime






T = TypeVar("T", bound="FleetProblem")



@_attrs_define
class FleetProblem:
    """ One thing that is wrong, with the ids of what it is about (where it is fixed).

        Attributes:
            key (str): Stable while the problem lasts (`<kind>:<ids>`): the identity of its alerts.
            kind (ProblemKind): What kind of thing is wrong.
            severity (Severity): How bad: the fleet status is the worst of its problems.
            summary (str): One line naming the things involved.
            server_id (None | Unset | UUID):
            since (datetime.datetime | None | Unset): Since when, where known.
            subvolume_id (None | Unset | UUID):
            target_id (None | Unset | UUID):
     """

    key: str
    kind: ProblemKind
    severity: Severity
    summary: str
    server_id: None | Unset | UUID = UNSET
    since: datetime.datetime | None | Unset = UNSET
    subvolume_id: None | Unset | UUID = UNSET
    target_id: None | Unset | UUID = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        key = self.key

        kind = self.kind.value

        severity = self.severity.value

        summary = self.summary

        server_id: None | str | Unset
        if isinstance(self.server_id, Unset):
            server_id = UNSET
        elif isinstance(self.server_id, UUID):
            server_id = str(self.server_id)
        else:
            server_id = self.server_id

        since: None | str | Unset
        if isinstance(self.since, Unset):
            since = UNSET
        elif isinstance(self.since, datetime.datetime):
            since = self.since.isoformat()
        else:
            since = self.since

        subvolume_id: None | str | Unset
        if isinstance(self.subvolume_id, Unset):
            subvolume_id = UNSET
        elif isinstance(self.subvolume_id, UUID):
            subvolume_id = str(self.subvolume_id)
        else:
            subvolume_id = self.subvolume_id

        target_id: None | str | Unset
        if isinstance(self.target_id, Unset):
            target_id = UNSET
        elif isinstance(self.target_id, UUID):
            target_id = str(self.target_id)
        else:
            target_id = self.target_id


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "key": key,
            "kind": kind,
            "severity": severity,
            "summary": summary,
        })
        if server_id is not UNSET:
            field_dict["server_id"] = server_id
        if since is not UNSET:
            field_dict["since"] = since
        if subvolume_id is not UNSET:
            field_dict["subvolume_id"] = subvolume_id
        if target_id is not UNSET:
            field_dict["target_id"] = target_id

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        key = d.pop("key")

        kind = ProblemKind(d.pop("kind"))




        severity = Severity(d.pop("severity"))




        summary = d.pop("summary")

        def _parse_server_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                server_id_type_0 = UUID(data)



                return server_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        server_id = _parse_server_id(d.pop("server_id", UNSET))


        def _parse_since(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                since_type_0 = datetime.datetime.fromisoformat(data)



                return since_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        since = _parse_since(d.pop("since", UNSET))


        def _parse_subvolume_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                subvolume_id_type_0 = UUID(data)



                return subvolume_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        subvolume_id = _parse_subvolume_id(d.pop("subvolume_id", UNSET))


        def _parse_target_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                target_id_type_0 = UUID(data)



                return target_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        target_id = _parse_target_id(d.pop("target_id", UNSET))


        fleet_problem = cls(
            key=key,
            kind=kind,
            severity=severity,
            summary=summary,
            server_id=server_id,
            since=since,
            subvolume_id=subvolume_id,
            target_id=target_id,
        )


        fleet_problem.additional_properties = d
        return fleet_problem

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
