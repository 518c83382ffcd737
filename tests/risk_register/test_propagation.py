"""Noisy-OR propagation: values, cycles, monotonicity, drivers (no database)."""

import random

import pytest

from risks.register.propagation import propagate


def test_no_links_leaves_own_probabilities():
    result = propagate([0.2, 0.5], [])
    assert result.probability == [0.2, 0.5]
    assert result.driver == [None, None]
    assert result.converged


def test_one_link_is_noisy_or():
    result = propagate([2 / 3, 1 / 3], [(0, 1, 0.5)])
    assert result.probability[0] == pytest.approx(2 / 3)
    assert result.probability[1] == pytest.approx(1 - (2 / 3) * (1 - 0.5 * 2 / 3), abs=1e-5)
    assert result.driver == [None, 0]


def test_a_cycle_converges_to_the_fixed_point():
    own = [0.3, 0.2]
    result = propagate(own, [(0, 1, 0.6), (1, 0, 0.6)])
    assert result.converged
    a, b = result.probability
    assert a == pytest.approx(1 - 0.7 * (1 - 0.6 * b), abs=1e-5)
    assert b == pytest.approx(1 - 0.8 * (1 - 0.6 * a), abs=1e-5)


def test_worst_case_takes_every_parent_as_broken_out():
    result = propagate([0.5, 0.1], [(0, 1, 0.4)], parents_triggered=True)
    assert result.probability[1] == pytest.approx(1 - 0.9 * 0.6, abs=1e-5)


def test_the_strongest_incoming_link_is_the_driver():
    result = propagate([0.8, 0.2, 0.1], [(0, 2, 0.3), (1, 2, 0.9)])
    assert result.driver[2] == 0  # 0.3 x 0.8 = 0.24 > 0.9 x 0.2 = 0.18


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="own probability"):
        propagate([1.5], [])
    with pytest.raises(ValueError, match="damping"):
        propagate([0.1], [], damping=0)


def _random_graph(rng, n=30, m=60):
    own = [rng.random() * 0.8 for _ in range(n)]
    links = []
    for _ in range(m):
        s, t = rng.randrange(n), rng.randrange(n)
        if s != t:
            links.append((s, t, round(rng.random(), 2)))
    return own, links


@pytest.mark.parametrize("seed", range(25))
def test_a_stronger_link_never_lowers_any_probability(seed):
    rng = random.Random(seed)
    own, links = _random_graph(rng)
    before = propagate(own, links).probability
    i = rng.randrange(len(links))
    s, t, w = links[i]
    stronger = [*links[:i], (s, t, min(1.0, w + rng.random() * (1 - w))), *links[i + 1 :]]
    after = propagate(own, stronger).probability
    assert all(a >= b - 1e-6 for a, b in zip(after, before, strict=True))


@pytest.mark.parametrize("seed", range(25))
def test_a_higher_own_probability_never_lowers_any_probability(seed):
    rng = random.Random(1000 + seed)
    own, links = _random_graph(rng)
    before = propagate(own, links).probability
    raised = own[:]
    i = rng.randrange(len(own))
    raised[i] = min(1.0, raised[i] + rng.random() * 0.2)
    after = propagate(raised, links).probability
    assert all(a >= b - 1e-6 for a, b in zip(after, before, strict=True))
    assert all(p >= o - 1e-12 for p, o in zip(after, raised, strict=True))
