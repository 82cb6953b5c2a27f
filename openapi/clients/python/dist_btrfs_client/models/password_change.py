from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="PasswordChange")



@_attrs_define
class PasswordChange:
    """ A user's own password change.

        Attributes:
            current_password (str):
            new_password (str): The same rules as for new accounts.
            keep_tokens (bool | None | Unset): Keep your API tokens (default: they are revoked).
     """

    current_password: str
    new_password: str
    keep_tokens: bool | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        current_password = self.current_password

        new_password = self.new_password

        keep_tokens: bool | None | Unset
        if isinstance(self.keep_tokens, Unset):
            keep_tokens = UNSET
        else:
            keep_tokens = self.keep_tokens


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "current_password": current_password,
            "new_password": new_password,
        })
        if keep_tokens is not UNSET:
            field_dict["keep_tokens"] = keep_tokens

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        current_password = d.pop("current_password")

        new_password = d.pop("new_password")

        def _parse_keep_tokens(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        keep_tokens = _parse_keep_tokens(d.pop("keep_tokens", UNSET))


        password_change = cls(
            current_password=current_password,
            new_password=new_password,
            keep_tokens=keep_tokens,
        )


        password_change.additional_properties = d
        return password_change

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
