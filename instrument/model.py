"""The instrument as frozen, validated data: response scale, items, scales and composites.

Every rule an instrument must satisfy is checked when the model is built, so an ``Instrument``
that exists is one the rest of the system can trust. Rule violations raise ``ValueError`` with
a message of the form ``"<where>: <rule>"``; the loader turns them into ``InstrumentError``
naming the file.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import cached_property
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    model_validator,
)

Language = Annotated[str, Field(pattern=r"^[a-z]{2}$")]
Text = dict[str, str]
"""A text in every language of the instrument, keyed by ISO 639-1 code."""

ITEM_ID = re.compile(r"^[A-Z][A-Z_]*[0-9]{2}$")
SCALE_ID = re.compile(r"^[A-Z][A-Z_]*[A-Z]$|^[A-Z]$")
VERSION = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+$")
INSTRUMENT_ID = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")


class _Frozen(BaseModel):
    # Numbers and booleans are strict (``StrictInt`` and so on): lax parsing would read
    # ``reverse = "yes"`` or ``reverse = 1`` as true and ``max = "7"`` as 7, silently keying an
    # item the author never meant to key.
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class ResponseScale(_Frozen):
    """An ordered, integer response format, with its labels and its 'does not apply' option."""

    min: StrictInt
    max: StrictInt
    labels: dict[str, tuple[str, ...]]
    not_applicable: Text

    @property
    def n_options(self) -> int:
        """The number of substantive options (the 'does not apply' option is not one)."""
        return self.max - self.min + 1

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(range(self.min, self.max + 1))

    @model_validator(mode="after")
    def _check(self) -> ResponseScale:
        if self.max <= self.min:
            raise ValueError(
                f"response_scale: max ({self.max}) must be greater than min ({self.min})"
            )
        if not 2 <= self.n_options <= 11:
            raise ValueError(
                f"response_scale: must have between 2 and 11 options, has {self.n_options}"
            )
        for language, labels in self.labels.items():
            if len(labels) != self.n_options:
                raise ValueError(
                    f"response_scale: labels in {language!r} has {len(labels)} entries,"
                    f" the scale has {self.n_options} options ({self.min}..{self.max})"
                )
            if len(set(labels)) != len(labels) or not all(labels):
                raise ValueError(
                    f"response_scale: labels in {language!r} must be distinct and non-empty"
                )
        return self


class Item(_Frozen):
    """One statement the respondent rates. ``reverse`` items are scored as (min + max) - x."""

    id: str
    text: Text
    reverse: StrictBool = False

    @model_validator(mode="after")
    def _check(self) -> Item:
        if not ITEM_ID.match(self.id):
            raise ValueError(
                f"item {self.id}: id must be upper-case letters then two digits, like 'HA03'"
            )
        return self


class Scale(_Frozen):
    """A first-order scale: a mean of its items after reverse keying."""

    id: str
    name: Text
    description: Text
    level: Literal["team", "individual"]
    """'team': worded with the team as referent (referent-shift), aggregated to the team.
    'individual': about the person; team figures are additive composites."""
    module: str = "core"
    items: tuple[str, ...]
    min_answered: StrictFloat | None = None
    """Share of the scale's items a respondent must answer to get a score (default: the
    instrument's)."""

    @model_validator(mode="after")
    def _check(self) -> Scale:
        if not SCALE_ID.match(self.id):
            raise ValueError(f"scale {self.id}: id must be upper-case letters and underscores")
        if len(self.items) < 3:
            raise ValueError(f"scale {self.id}: needs at least 3 items, has {len(self.items)}")
        duplicated = [i for i, n in Counter(self.items).items() if n > 1]
        if duplicated:
            raise ValueError(f"scale {self.id}: lists item {duplicated[0]} more than once")
        # Whether each item's id matches its scale is checked by the instrument, after it has
        # checked that the item exists and belongs to one scale only: those are the likelier
        # mistakes, and their messages say so.
        if self.min_answered is not None and not 0 < self.min_answered <= 1:
            raise ValueError(f"scale {self.id}: min_answered must be in (0, 1]")
        return self


class Composite(_Frozen):
    """A second-order score: the mean of its facet scales' scores."""

    id: str
    name: Text
    description: Text
    facets: tuple[str, ...]
    min_facets: StrictInt

    @model_validator(mode="after")
    def _check(self) -> Composite:
        duplicated = [f for f, n in Counter(self.facets).items() if n > 1]
        if duplicated:
            raise ValueError(f"composite {self.id}: lists facet {duplicated[0]} more than once")
        if not 1 <= self.min_facets <= len(self.facets):
            raise ValueError(
                f"composite {self.id}: min_facets must be between 1 and {len(self.facets)}"
            )
        return self


class Instrument(_Frozen):
    """A versioned instrument: the item bank and its scoring keys."""

    id: str
    version: str
    title: Text
    languages: tuple[Language, ...]
    min_answered: StrictFloat = 0.6
    response_scale: ResponseScale
    items: tuple[Item, ...]
    scales: tuple[Scale, ...]
    composites: tuple[Composite, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> Instrument:
        if not INSTRUMENT_ID.match(self.id):
            raise ValueError(f"instrument: id {self.id!r} must be lower-case words joined by '-'")
        if not VERSION.match(self.version):
            raise ValueError(f"instrument: version {self.version!r} must be MAJOR.MINOR.PATCH")
        if not self.languages or len(set(self.languages)) != len(self.languages):
            raise ValueError("instrument: languages must be a non-empty list without repeats")
        if not 0 < self.min_answered <= 1:
            raise ValueError("instrument: min_answered must be in (0, 1]")
        self._check_unique()
        self._check_membership()
        self._check_languages()
        return self

    def _check_unique(self) -> None:
        for kind, ids in (
            ("item", [i.id for i in self.items]),
            ("scale", [s.id for s in self.scales] + [c.id for c in self.composites]),
        ):
            for identifier, count in Counter(ids).items():
                if count > 1:
                    raise ValueError(f"{kind} {identifier}: id is used {count} times")

    def _check_membership(self) -> None:
        known = {i.id for i in self.items}
        owner: dict[str, str] = {}
        for scale in self.scales:
            for item_id in scale.items:
                if item_id not in known:
                    raise ValueError(
                        f"scale {scale.id}: lists item {item_id}, which does not exist"
                    )
                if item_id in owner:
                    raise ValueError(
                        f"item {item_id}: belongs to both scale {owner[item_id]} and {scale.id}"
                    )
                owner[item_id] = scale.id
        for item in self.items:
            if item.id not in owner:
                raise ValueError(f"item {item.id}: belongs to no scale")
        for item_id, scale_id in owner.items():
            # Exactly the scale id then two digits: a looser prefix test would let HAX01 into
            # HA, or LC_MEM01 into a scale named LC.
            if not re.fullmatch(re.escape(scale_id) + r"[0-9]{2}", item_id):
                raise ValueError(
                    f"item {item_id}: id must be the id of its scale {scale_id}"
                    f" followed by two digits, like '{scale_id}01'"
                )
        scale_ids = {s.id for s in self.scales}
        for composite in self.composites:
            for facet in composite.facets:
                if facet not in scale_ids:
                    raise ValueError(
                        f"composite {composite.id}: lists facet {facet}, which is not a scale"
                    )

    def _check_languages(self) -> None:
        wanted = set(self.languages)

        def check(where: str, texts: dict[str, str] | dict[str, tuple[str, ...]]) -> None:
            missing = sorted(wanted - texts.keys())
            extra = sorted(texts.keys() - wanted)
            if missing:
                raise ValueError(f"{where}: has no text in {', '.join(missing)}")
            if extra:
                raise ValueError(
                    f"{where}: has text in {', '.join(extra)}, not a language of the instrument"
                )
            for language, text in texts.items():
                if not text:
                    raise ValueError(f"{where}: text in {language} is empty")

        check("instrument title", self.title)
        check("response_scale labels", self.response_scale.labels)
        check("response_scale not_applicable", self.response_scale.not_applicable)
        for item in self.items:
            check(f"item {item.id}", item.text)
        for scale in self.scales:
            check(f"scale {scale.id} name", scale.name)
            check(f"scale {scale.id} description", scale.description)
        for composite in self.composites:
            check(f"composite {composite.id} name", composite.name)
            check(f"composite {composite.id} description", composite.description)

    # -- look-ups -------------------------------------------------------------------------------

    @property
    def ref(self) -> str:
        """``id@version``, the form campaigns and the API use."""
        return f"{self.id}@{self.version}"

    @cached_property
    def _items_by_id(self) -> dict[str, Item]:
        return {i.id: i for i in self.items}

    @cached_property
    def _scales_by_id(self) -> dict[str, Scale]:
        return {s.id: s for s in self.scales}

    def item(self, item_id: str) -> Item:
        return self._items_by_id[item_id]

    def scale(self, scale_id: str) -> Scale:
        return self._scales_by_id[scale_id]

    @cached_property
    def item_ids(self) -> tuple[str, ...]:
        """Item ids in the order the scales list them: the order of the form."""
        return tuple(item_id for scale in self.scales for item_id in scale.items)

    def has_item(self, item_id: str) -> bool:
        return item_id in self._items_by_id

    @property
    def scale_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.scales)

    @property
    def reverse_item_ids(self) -> frozenset[str]:
        return frozenset(i.id for i in self.items if i.reverse)

    def min_items(self, scale_id: str) -> int:
        """The fewest answered items that still give a respondent a score on the scale."""
        scale = self.scale(scale_id)
        share = scale.min_answered if scale.min_answered is not None else self.min_answered
        # Rounded up, with a tolerance so that 0.6 * 5 stays 3 despite floating point.
        return max(1, math.ceil(share * len(scale.items) - 1e-9))

    def scales_in(self, module: str) -> tuple[Scale, ...]:
        return tuple(s for s in self.scales if s.module == module)

    @property
    def modules(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.module for s in self.scales))
