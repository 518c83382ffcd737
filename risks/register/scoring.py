"""How the register scores a grid cell (docs/risk-scoring.md explains it with an example).

Pure functions, no database: the nightly run feeds them the set-based aggregates of a part.

- A risk point's own probability of breaking out is ``likelihood / 6``; chain reactions raise
  it (risks.register.propagation). Its effective likelihood is ``min(5, 6 p)`` and its
  effective score ``E = effective likelihood x severity`` (0-25, the LS scale of
  risks.scoring).
- The cell's risk-point component is ``4 x E_max`` (so one red point makes the cell red) plus
  an accumulation of the other points, ``min(10, 0.4 x (sum E - E_max))``.
- Each other factor (overdue reviews and measures, recent concerns, visit coverage, disputes
  when that part lands) adds capped points (risks.register.factors).
- ``score = min(100, round(component + factor points))``; its level comes from the bands of
  risks.scoring applied to the LS-equivalent ``ceil(score / 4)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from risks.scoring import LEVEL_RANK, Level, bands

LIKELIHOOD_DIVISOR = 6.0  # own probability = likelihood / 6 (5 -> 0.83, never certain)
MAX_SCORE = 100
POINTS_PER_LS = 4  # 25 on the LS scale = 100 on the register's scale
ACCUMULATION_RATE = 0.4
ACCUMULATION_CAP = 10.0


def own_probability(likelihood: int) -> float:
    return max(0, min(5, likelihood)) / LIKELIHOOD_DIVISOR


def effective_score(probability: float, severity: int) -> float:
    """The LS score a point counts with once chain reactions raised its probability."""
    likelihood = min(5.0, LIKELIHOOD_DIVISOR * probability)
    return min(25.0, likelihood * severity)


def level_for_ls(value: float) -> Level:
    """The level of an LS-scale value (0-25) by the configured bands.

    Values between bands (17-19 with the default bands cannot come from L x S, but can from a
    cell's score) take the highest band that starts at or below them.
    """
    equivalent = max(1, math.ceil(round(value, 6)))
    chosen = None
    for low, _high, level in bands():
        if low <= equivalent and (chosen is None or low > chosen[0]):
            chosen = (low, level)
    return chosen[1] if chosen else Level.BLUE


def level_for_cell_score(score: int) -> Level:
    return level_for_ls(score / POINTS_PER_LS)


def point_component(effective_scores: Iterable[float]) -> float:
    """The risk-point part of a cell's score: 4 x the largest plus a capped accumulation."""
    values = [e for e in effective_scores if e > 0]
    if not values:
        return 0.0
    return component_from_aggregates(max(values), sum(values))


def component_from_aggregates(e_max: float | None, e_sum: float | None) -> float:
    """Same as ``point_component`` from SQL aggregates (MAX and SUM over the cell's points)."""
    if not e_max:
        return 0.0
    rest = max(0.0, (e_sum or 0.0) - e_max)
    return POINTS_PER_LS * e_max + min(ACCUMULATION_CAP, ACCUMULATION_RATE * rest)


@dataclass(frozen=True)
class CellScore:
    score: int
    level: Level


def cell_score(component: float, factor_points: Iterable[float]) -> CellScore:
    total = component + sum(factor_points)
    score = max(0, min(MAX_SCORE, round(total)))
    return CellScore(score=score, level=level_for_cell_score(score))


def worse_level(a: str, b: str) -> str:
    return a if LEVEL_RANK[Level(a)] >= LEVEL_RANK[Level(b)] else b
