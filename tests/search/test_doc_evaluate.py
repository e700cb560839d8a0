"""The jitter of the stability bench turns a query vector by exactly the cosine asked, at random."""

from __future__ import annotations

import numpy as np
import pytest

from search.doc_evaluate import perturbed


def test_a_turned_vector_keeps_its_length_and_the_cosine_asked() -> None:
    rng = np.random.default_rng(7)
    vector = rng.normal(size=384).astype(np.float32)
    vector /= np.linalg.norm(vector)
    turn = perturbed(0.996, seed=1)
    first, second = turn(vector), turn(vector)
    for turned in (first, second):
        assert turned.dtype == vector.dtype
        assert np.linalg.norm(turned) == pytest.approx(1.0, abs=1e-5)
        assert float(turned @ vector) == pytest.approx(0.996, abs=1e-4)
    assert float(first @ second) < 0.999  # each call a new direction
    assert np.allclose(perturbed(0.996, seed=1)(vector), first)  # the same seed, the same draws
