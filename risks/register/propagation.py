"""Chain reactions (连锁反应) along risk links: damped noisy-OR over the whole link table.

A node's probability of breaking out is

    p = 1 - (1 - own) * prod over incoming links (1 - strength * p_parent)

computed in rounds over *all* links at once (arrays indexed by node position, one pass over
the link list per round); each round moves a node part of the way to its new value
(``damping``) so cycles converge instead of oscillating. The result is monotone: a higher own
probability or a stronger link never lowers any node's probability.

For every node we keep the incoming link whose parent contributed the largest factor in the
last round (the upstream risk that drove its increase) and the uplift over its own
probability.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_DAMPING = 0.5
DEFAULT_TOLERANCE = 1e-6
DEFAULT_MAX_ROUNDS = 100


@dataclass(frozen=True)
class Propagation:
    probability: list[float]  # per node position
    driver: list[int | None]  # position of the upstream node that drove the increase
    rounds: int
    converged: bool

    def uplift(self, own: Sequence[float]) -> list[float]:
        return [p - o for p, o in zip(self.probability, own, strict=True)]


def propagate(
    own: Sequence[float],
    links: Sequence[tuple[int, int, float]],
    *,
    damping: float = DEFAULT_DAMPING,
    tolerance: float = DEFAULT_TOLERANCE,
    max_rounds: int = DEFAULT_MAX_ROUNDS,
    parents_triggered: bool = False,
) -> Propagation:
    """Propagate own probabilities along ``links`` = [(source position, target position, s)].

    ``parents_triggered`` is the worst case: every upstream risk is taken as broken out
    (parent probability 1), so each link contributes its full strength.
    """
    if not 0 < damping <= 1:
        raise ValueError("damping must be in (0, 1]")
    n = len(own)
    for p in own:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"own probability out of [0, 1]: {p}")
    current = list(own)
    survive_own = [1.0 - p for p in own]
    valid = [
        (s, t, max(0.0, min(1.0, w)))
        for s, t, w in links
        if 0 <= s < n and 0 <= t < n and s != t and w > 0
    ]
    # Only nodes with incoming links ever change: each round touches them and the links only.
    targets = sorted({t for _, t, _ in valid})
    last_driver: dict[int, int] = {}
    rounds = 0
    converged = not valid
    while valid and rounds < max_rounds:
        rounds += 1
        survive = {t: survive_own[t] for t in targets}
        strongest = dict.fromkeys(targets, 0.0)
        new_driver: dict[int, int] = {}
        for s, t, w in valid:
            hit = w * (1.0 if parents_triggered else current[s])
            survive[t] *= 1.0 - hit
            if hit > strongest[t]:
                strongest[t] = hit
                new_driver[t] = s
        delta = 0.0
        for i in targets:
            target = 1.0 - survive[i]
            moved = current[i] + damping * (target - current[i])
            # Rounds only ever raise a probability (the fixed point is approached from below).
            if moved > current[i]:
                delta = max(delta, moved - current[i])
                current[i] = moved
        last_driver = new_driver
        if delta < tolerance:
            converged = True
            break
    driver = [last_driver.get(i) if current[i] > own[i] + 1e-12 else None for i in range(n)]
    return Propagation(probability=current, driver=driver, rounds=rounds, converged=converged)
