from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.install_outcome import InstallOutcome


T = TypeVar("T", bound="InstallOutcomes")


@_attrs_define
class InstallOutcomes:
    """`POST /v1/hosts/install-outcomes`: a batch of outcomes, oldest first.

    Attributes:
        outcomes (list[InstallOutcome]):
    """

    outcomes: list[InstallOutcome]

    def to_dict(self) -> dict[str, Any]:
        outcomes = []
        for outcomes_item_data in self.outcomes:
            outcomes_item = outcomes_item_data.to_dict()
            outcomes.append(outcomes_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "outcomes": outcomes,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.install_outcome import InstallOutcome  # noqa: PLC0415

        d = dict(src_dict)
        outcomes = []
        _outcomes = d.pop("outcomes")
        for outcomes_item_data in _outcomes:
            outcomes_item = InstallOutcome.from_dict(outcomes_item_data)

            outcomes.append(outcomes_item)

        install_outcomes = cls(
            outcomes=outcomes,
        )

        return install_outcomes
