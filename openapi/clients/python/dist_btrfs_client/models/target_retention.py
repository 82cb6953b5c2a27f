from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
from uuid import UUID
import datetime

if TYPE_CHECKING:
  from ..models.planned_replica_dto import PlannedReplicaDto
  from ..models.policy_retention import PolicyRetention





T = TypeVar("T", bound="TargetRetention")



@_attrs_define
class TargetRetention:
    """ What the next prune of a target would do, planned now over its catalogued replicas
    (oldest first). Changes nothing.

        Attributes:
            at (datetime.datetime):
            delete (int):
            keep (int):
            replicas (list[PlannedReplicaDto]):
            target_id (UUID):
            policy_id (None | Unset | UUID): The policy the target's subvolume follows, if any.
            target_retention (None | PolicyRetention | Unset): That policy's retention for targets; absent: replicas are
                never pruned.
     """

    at: datetime.datetime
    delete: int
    keep: int
    replicas: list[PlannedReplicaDto]
    target_id: UUID
    policy_id: None | Unset | UUID = UNSET
    target_retention: None | PolicyRetention | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.planned_replica_dto import PlannedReplicaDto # noqa: PLC0415
        from ..models.policy_retention import PolicyRetention # noqa: PLC0415
        at = self.at.isoformat()

        delete = self.delete

        keep = self.keep

        replicas = []
        for replicas_item_data in self.replicas:
            replicas_item = replicas_item_data.to_dict()
            replicas.append(replicas_item)



        target_id = str(self.target_id)

        policy_id: None | str | Unset
        if isinstance(self.policy_id, Unset):
            policy_id = UNSET
        elif isinstance(self.policy_id, UUID):
            policy_id = str(self.policy_id)
        else:
            policy_id = self.policy_id

        target_retention: dict[str, Any] | None | Unset
        if isinstance(self.target_retention, Unset):
            target_retention = UNSET
        elif isinstance(self.target_retention, PolicyRetention):
            target_retention = self.target_retention.to_dict()
        else:
            target_retention = self.target_retention


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "at": at,
            "delete": delete,
            "keep": keep,
            "replicas": replicas,
            "target_id": target_id,
        })
        if policy_id is not UNSET:
            field_dict["policy_id"] = policy_id
        if target_retention is not UNSET:
            field_dict["target_retention"] = target_retention

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.planned_replica_dto import PlannedReplicaDto # noqa: PLC0415
        from ..models.policy_retention import PolicyRetention # noqa: PLC0415
        d = dict(src_dict)
        at = datetime.datetime.fromisoformat(d.pop("at"))




        delete = d.pop("delete")

        keep = d.pop("keep")

        replicas = []
        _replicas = d.pop("replicas")
        for replicas_item_data in (_replicas):
            replicas_item = PlannedReplicaDto.from_dict(replicas_item_data)



            replicas.append(replicas_item)


        target_id = UUID(d.pop("target_id"))




        def _parse_policy_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                policy_id_type_0 = UUID(data)



                return policy_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        policy_id = _parse_policy_id(d.pop("policy_id", UNSET))


        def _parse_target_retention(data: object) -> None | PolicyRetention | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                target_retention_type_1 = PolicyRetention.from_dict(data)



                return target_retention_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PolicyRetention | Unset, data)

        target_retention = _parse_target_retention(d.pop("target_retention", UNSET))


        target_retention = cls(
            at=at,
            delete=delete,
            keep=keep,
            replicas=replicas,
            target_id=target_id,
            policy_id=policy_id,
            target_retention=target_retention,
        )


        target_retention.additional_properties = d
        return target_retention

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
