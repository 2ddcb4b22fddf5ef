"""Seeded random draws: weighted choices, one stream per name, and the walk-in public's profile mix."""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

#: Each stream's total is drawn within this relative distance of its target.
NOISE = 0.03


class Choice:
    """Weighted draws among fixed options (cumulative weights, one bisection per draw)."""

    __slots__ = ("options", "cum", "total")

    def __init__(self, weights: Mapping[Any, float] | Sequence[tuple[Any, float]]) -> None:
        items = list(weights.items()) if isinstance(weights, Mapping) else list(weights)
        items = [(k, w) for k, w in items if w > 0]
        if not items:
            raise ValueError("nothing to choose from")
        self.options = [k for k, _ in items]
        self.cum = list(accumulate(w for _, w in items))
        self.total = self.cum[-1]

    def draw(self, rng: random.Random) -> Any:
        i = bisect_right(self.cum, rng.random() * self.total)
        return self.options[min(i, len(self.options) - 1)]

    def draw_many(self, rng: random.Random, k: int) -> list[Any]:
        return rng.choices(self.options, cum_weights=self.cum, k=k)


def stream(seed: int, name: str) -> random.Random:
    """An independent random stream per name, all derived from the seed.

    Streams are seeded by their name, not drawn from one another: adding, removing or changing one
    never reshuffles another.
    """
    return random.Random(f"tremplin-demo:{seed}:{name}")


def scaled(rng: random.Random, target: float, scale: float, minimum: int = 1) -> int:
    """``target × scale``, give or take ``NOISE``, never below ``minimum``."""
    value = target * scale * (1 + rng.uniform(-NOISE, NOISE))
    return max(minimum, int(round(value)))


def spread(rng: random.Random, total: int, weights: Sequence[float], jitter: float = 0.35) -> list[int]:
    """Split ``total`` into whole parts roughly proportional to ``weights`` (log-normal jitter)."""
    raw = [w * rng.lognormvariate(0, jitter) for w in weights]
    s = sum(raw) or 1.0
    parts = [int(x / s * total) for x in raw]
    remainders = sorted(range(len(raw)), key=lambda i: (raw[i] / s * total) - parts[i], reverse=True)
    for i in remainders[: total - sum(parts)]:
        parts[i] += 1
    return parts


# ------------------------------------------------------------------------------------------------
# The walk-in public


THEMES = Choice({"learn": 38, "work": 29, "choose": 20, "self_employment": 7, "move": 6})
#: The walk-in public is 60/40 men (the 2019 satisfaction survey: 58/42). Publics with another mix
#: draw with their own ``gender`` choice.
GENDER = Choice({"man": 57.5, "woman": 38.0, "non_binary": 0.5, "unknown": 4.0})
AGE = Choice({"under_18": 2, "18_24": 16, "25_29": 15, "30_49": 52, "50_54": 7, "55_64": 5, "65_plus": 1, "unknown": 2})
LANGUAGE = Choice({"fr": 68, "nl": 12, "en": 11, "other": 8, "uk": 1})
EDUCATION = Choice(
    {
        "isced_5_8": 31,
        "isced_3_4": 28,
        "isced_0_2": 24,
        "foreign_recognised": 5,
        "foreign_unrecognised": 8,
        "unknown": 4,
    }
)
EDUCATION_YOUNG = Choice({"isced_0_2": 85, "unknown": 15})
_WORKING_AGE = {
    "unemployed": 42,
    "long_term_unemployed": 16,
    "employed": 24,
    "inactive": 7,
    "self_employed": 4,
    "in_education": 2,
    "unknown": 5,
}
LABOUR_BY_AGE = {
    "under_18": Choice({"in_education": 92, "unknown": 8}),
    "18_24": Choice(
        {"in_education": 32, "unemployed": 40, "long_term_unemployed": 4, "employed": 12, "inactive": 6, "unknown": 6}
    ),
    "25_29": Choice(
        {
            "unemployed": 46,
            "long_term_unemployed": 10,
            "employed": 24,
            "in_education": 8,
            "inactive": 5,
            "self_employed": 2,
            "unknown": 5,
        }
    ),
    "30_49": Choice(_WORKING_AGE),
    "50_54": Choice(
        {"unemployed": 38, "long_term_unemployed": 26, "employed": 22, "inactive": 7, "self_employed": 3, "unknown": 4}
    ),
    "55_64": Choice(
        {"unemployed": 36, "long_term_unemployed": 28, "employed": 20, "inactive": 10, "self_employed": 3, "unknown": 3}
    ),
    "65_plus": Choice({"inactive": 70, "self_employed": 10, "employed": 10, "unknown": 10}),
    "unknown": Choice({"unknown": 60, "unemployed": 25, "employed": 15}),
}


def draw_themes(rng: random.Random, choice: Choice = THEMES, second: float = 0.15) -> list[str]:
    """One theme, and a second one with probability ``second``."""
    first = choice.draw(rng)
    if rng.random() < second:
        other = choice.draw(rng)
        if other != first:
            return [first, other]
    return [first]


@dataclass
class Person:
    """The coarse profile a contact may carry (each part may be ``unknown``), never who the person is."""

    gender: str
    age_band: str
    education: str
    labour_status: str
    language: str


def draw_person(rng: random.Random, language: Choice = LANGUAGE, age: Choice = AGE, gender: Choice = GENDER) -> Person:
    band = age.draw(rng)
    education = (EDUCATION_YOUNG if band == "under_18" else EDUCATION).draw(rng)
    return Person(gender.draw(rng), band, education, LABOUR_BY_AGE[band].draw(rng), language.draw(rng))
