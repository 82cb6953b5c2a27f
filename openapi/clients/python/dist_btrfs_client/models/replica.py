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
  from ..models.verification import Verification





T = TypeVar("T", bound="Replica")



@_attrs_define
class Replica:
    """ A complete copy of a snapshot on a target, as last read back from it.

        Attributes:
            id (UUID): The replica's stable id (the same for one snapshot on one target, always).
            path (str):
            recorded_at (datetime.datetime):
            snapshot_id (UUID):
            target_id (UUID):
            uuid (UUID): The received subvolume's own uuid.
            verification (None | Unset | Verification): The last verification against the source snapshot, if any.
     """

    id: UUID
    path: str
    recorded_at: datetime.datetime
    snapshot_id: UUID
    target_id: UUID
    uuid: UUID
    verification: None | Unset | Verification = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.verification import Verification # noqa: PLC0415
        id = str(self.id)

        path = self.path

        recorded_at = self.recorded_at.isoformat()

        snapshot_id = str(self.snapshot_id)

        target_id = str(self.target_id)

        uuid = str(self.uuid)

        verification: dict[str, Any] | None | Unset
        if isinstance(self.verification, Unset):
            verification = UNSET
        elif isinstance(self.verification, Verification):
            verification = self.verification.to_dict()
        else:
            verification = self.verification


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "path": path,
            "recorded_at": recorded_at,
            "snapshot_id": snapshot_id,
            "target_id": target_id,
            "uuid": uuid,
        })
        if verification is not UNSET:
            field_dict["verification"] = verification

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.verification import Verification # noqa: PLC0415
        d = dict(src_dict)
        id = UUID(d.pop("id"))




        path = d.pop("path")

        recorded_at = datetime.datetime.fromisoformat(d.pop("recorded_at"))




        snapshot_id = UUID(d.pop("snapshot_id"))




        target_id = UUID(d.pop("target_id"))




        uuid = UUID(d.pop("uuid"))




        def _parse_verification(data: object) -> None | Unset | Verification:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                verification_type_1 = Verification.from_dict(data)



                return verification_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | Verification, data)

        verification = _parse_verification(d.pop("verification", UNSET))


        replica = cls(
            id=id,
            path=path,
            recorded_at=recorded_at,
            snapshot_id=snapshot_id,
            target_id=target_id,
            uuid=uuid,
            verification=verification,
        )


        replica.additional_properties = d
        return replica

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
