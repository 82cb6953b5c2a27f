from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.channel import Channel





T = TypeVar("T", bound="ChannelCreated")



@_attrs_define
class ChannelCreated:
    """ A channel just created.

        Attributes:
            channel (Channel): A channel (its secret is never shown).
            signing_key (None | str | Unset): The generated webhook signing key, shown this once (none when one was given,
                or
                for email). Verify each body's `X-Dist-Btrfs-Signature-256` with it.
     """

    channel: Channel
    signing_key: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.channel import Channel # noqa: PLC0415
        channel = self.channel.to_dict()

        signing_key: None | str | Unset
        if isinstance(self.signing_key, Unset):
            signing_key = UNSET
        else:
            signing_key = self.signing_key


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "channel": channel,
        })
        if signing_key is not UNSET:
            field_dict["signing_key"] = signing_key

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.channel import Channel # noqa: PLC0415
        d = dict(src_dict)
        channel = Channel.from_dict(d.pop("channel"))




        def _parse_signing_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        signing_key = _parse_signing_key(d.pop("signing_key", UNSET))


        channel_created = cls(
            channel=channel,
            signing_key=signing_key,
        )


        channel_created.additional_properties = d
        return channel_created

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
