from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="SetSnapshotHooks")



@_attrs_define
class SetSnapshotHooks:
    """ Set a subvolume's hooks (both null: none).

        Attributes:
            post (None | str | Unset): As `pre`.
            pre (None | str | Unset): A file name in the server's hooks directory (1 to 64 ASCII letters, digits, `.`,
                `_`, `-`, starting with a letter or digit), or null.
            timeout_secs (int | None | Unset): 1 to 900 seconds (default 60).
     """

    post: None | str | Unset = UNSET
    pre: None | str | Unset = UNSET
    timeout_secs: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        post: None | str | Unset
        if isinstance(self.post, Unset):
            post = UNSET
        else:
            post = self.post

        pre: None | str | Unset
        if isinstance(self.pre, Unset):
            pre = UNSET
        else:
            pre = self.pre

        timeout_secs: int | None | Unset
        if isinstance(self.timeout_secs, Unset):
            timeout_secs = UNSET
        else:
            timeout_secs = self.timeout_secs


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
        })
        if post is not UNSET:
            field_dict["post"] = post
        if pre is not UNSET:
            field_dict["pre"] = pre
        if timeout_secs is not UNSET:
            field_dict["timeout_secs"] = timeout_secs

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        def _parse_post(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        post = _parse_post(d.pop("post", UNSET))


        def _parse_pre(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        pre = _parse_pre(d.pop("pre", UNSET))


        def _parse_timeout_secs(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        timeout_secs = _parse_timeout_secs(d.pop("timeout_secs", UNSET))


        set_snapshot_hooks = cls(
            post=post,
            pre=pre,
            timeout_secs=timeout_secs,
        )


        set_snapshot_hooks.additional_properties = d
        return set_snapshot_hooks

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
