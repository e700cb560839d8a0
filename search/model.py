"""A small logistic model: named features in, a probability out; fitted with cross-validation.

Linking decides twice from several pieces of evidence (a document's parents, a provision's best
national counterpart). Each decision is a logistic regression over a handful of named,
standardised features, fitted on the hand-made gold, saved as plain JSON
(``search/linking_models.json``) and applied with numpy, so the product needs no training library.
``cross_validated`` returns out-of-fold probabilities, grouped by local document, so every
reported figure comes from a model that never saw that document.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from common.errors import InputError

MODELS_PATH = Path(__file__).resolve().parent / "linking_models.json"


@dataclass
class Model:
    """Logistic regression over named features, plus the probability cut chosen for asserting."""

    features: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    cut: float = 0.5
    note: dict[str, Any] = field(default_factory=dict)  # how it was fitted and what it scored

    def prob(self, rows: Sequence[Sequence[float]]) -> np.ndarray:
        if not len(rows):
            return np.zeros(0)
        x = (np.asarray(rows, dtype=float) - np.asarray(self.mean)) / np.asarray(self.scale)
        return 1.0 / (1.0 + np.exp(-(x @ np.asarray(self.coef) + self.intercept)))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def fit(features: list[str], x: np.ndarray, y: np.ndarray, *, c: float = 1.0,
        weights: np.ndarray | None = None) -> Model:
    """Fit on all of ``x``/``y`` (standardised, L2-regularised; classes balanced unless
    ``weights`` are given, see ``group_weights``)."""
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(C=c, class_weight=None if weights is not None else "balanced", max_iter=1000)
    lr.fit((x - mean) / scale, y, sample_weight=weights)
    return Model(features, mean.tolist(), scale.tolist(), lr.coef_[0].tolist(), float(lr.intercept_[0]))


def group_weights(y: np.ndarray, groups: Sequence[str]) -> np.ndarray:
    """Each group (a local document) weighs the same, its positives half and its negatives half:
    a document with eight gold parents must not teach the model that a parent is usually a
    minor candidate, nor one with forty candidates outvote the rest."""
    names = np.asarray(groups)
    out = np.zeros(len(y))
    for name in set(groups):
        for cls in (0, 1):
            chosen = (names == name) & (y == cls)
            if chosen.any():
                out[chosen] = 1.0 / chosen.sum()
    return out * len(y) / out.sum()


def cross_validated(features: list[str], x: np.ndarray, y: np.ndarray, groups: Sequence[str], *,
                    folds: int = 5, c: float = 1.0, weights: np.ndarray | None = None) -> np.ndarray:
    """Out-of-fold probabilities: each group (a local document) is scored by a model fitted
    without it. A fold whose training part has one class only scores by that class's share."""
    from sklearn.model_selection import GroupKFold

    out = np.zeros(len(y))
    names = np.asarray(groups)
    n = min(folds, len(set(groups)))
    for train, test in GroupKFold(n_splits=n).split(x, y, names):
        if len(set(y[train])) < 2:
            out[test] = float(y[train].mean())
            continue
        w = None if weights is None else weights[train]
        out[test] = fit(features, x[train], y[train], c=c, weights=w).prob(x[test])
    return out


NOTHING = 1.0 + 1e-9
"""The cut that asserts nothing (a probability never reaches it)."""


def choose_cut(prob: np.ndarray, y: np.ndarray, *, precision: float = 0.9) -> float:
    """The lowest cut down to which every cut keeps ``precision`` (on out-of-fold probabilities);
    ``NOTHING`` when the first does not. Stopping at the first cut that falls short, rather than
    taking the lowest that happens to reach it again, keeps a cut off a curve that one case more
    or less would tip below the target (a fresh run's near-ties move a case or two)."""
    best = NOTHING
    for cut in sorted(set(prob.tolist()), reverse=True):
        chosen = prob >= cut
        if not (chosen.sum() and y[chosen].mean() >= precision):
            break
        best = float(cut)
    return best


def save_models(models: dict[str, Model], path: Path = MODELS_PATH) -> None:
    path.write_text(json.dumps({k: m.to_dict() for k, m in models.items()}, ensure_ascii=False, indent=1) + "\n",
                    encoding="utf-8")


def load_model(name: str, features: Sequence[str], path: Path = MODELS_PATH) -> Model:
    """The saved model ``name``; an error when it was fitted on other features than ``features``."""
    try:
        model = Model(**json.loads(path.read_text(encoding="utf-8"))[name])
    except (OSError, KeyError, TypeError, json.JSONDecodeError) as e:
        raise InputError(f"Cannot read the linking model '{name}' from {path}: {e}.",
                         hint="Refit it with scripts/fit_linking.py, or reinstall the package.") from e
    if list(model.features) != list(features):
        raise InputError(f"The linking model '{name}' in {path} was fitted on features {model.features}, "
                         f"the code computes {list(features)}.", hint="Refit it with scripts/fit_linking.py.")
    return model
