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
  from ..models.policy_input import PolicyInput





T = TypeVar("T", bound="PreviewRequest")



@_attrs_define
class PreviewRequest:
    """ What to preview: a subvolume under a saved policy (`policy_id`) or a draft; on the
    primary, or with `target_id` on one of the subvolume's targets.

        Attributes:
            subvolume_id (UUID):
            at (datetime.datetime | None | Unset): The planning time (default: now).
            draft (None | PolicyInput | Unset): A policy that is not saved.
            policy_id (None | Unset | UUID): A saved policy. Exactly one of `policy_id` and `draft`.
            target_id (None | Unset | UUID): One of the subvolume's targets: preview the policy's `target_retention` over
                the
                replicas catalogued there instead of its `retention` on the primary.
     """

    subvolume_id: UUID
    at: datetime.datetime | None | Unset = UNSET
    draft: None | PolicyInput | Unset = UNSET
    policy_id: None | Unset | UUID = UNSET
    target_id: None | Unset | UUID = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.policy_input import PolicyInput # noqa: PLC0415
        subvolume_id = str(self.subvolume_id)

        at: None | str | Unset
        if isinstance(self.at, Unset):
            at = UNSET
        elif isinstance(self.at, datetime.datetime):
            at = self.at.isoformat()
        else:
            at = self.at

        draft: dict[str, Any] | None | Unset
        if isinstance(self.draft, Unset):
            draft = UNSET
        elif isinstance(self.draft, PolicyInput):
            draft = self.draft.to_dict()
        else:
            draft = self.draft

        policy_id: None | str | Unset
        if isinstance(self.policy_id, Unset):
            policy_id = UNSET
        elif isinstance(self.policy_id, UUID):
            policy_id = str(self.policy_id)
        else:
            policy_id = self.policy_id

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
            "subvolume_id": subvolume_id,
        })
        if at is not UNSET:
            field_dict["at"] = at
        if draft is not UNSET:
            field_dict["draft"] = draft
        if policy_id is not UNSET:
            field_dict["policy_id"] = policy_id
        if target_id is not UNSET:
            field_dict["target_id"] = target_id

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.policy_input import PolicyInput # noqa: PLC0415
        d = dict(src_dict)
        subvolume_id = UUID(d.pop("subvolume_id"))




        def _parse_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                at_type_0 = datetime.datetime.fromisoformat(data)



                return at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        at = _parse_at(d.pop("at", UNSET))


        def _parse_draft(data: object) -> None | PolicyInput | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                draft_type_1 = PolicyInput.from_dict(data)



                return draft_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PolicyInput | Unset, data)

        draft = _parse_draft(d.pop("draft", UNSET))


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


        preview_request = cls(
            subvolume_id=subvolume_id,
            at=at,
            draft=draft,
            policy_id=policy_id,
            target_id=target_id,
        )


        preview_request.additional_properties = d
        return preview_request

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
