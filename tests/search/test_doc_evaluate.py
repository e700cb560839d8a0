"""The jitter of the stability bench turns a query vector by exactly the cosine asked, at random."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from search.doc_evaluate import load_doc_cases, perturbed


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


def test_real_provision_links_become_a_held_out_link_task_without_negatives(tmp_path: Path) -> None:
    """provision_links.toml (the real corpus's gold) gives the link task as ``link:test``: a local
    provision's text asking for the national documents, negatives (no national answer) left out."""
    (tmp_path / "provision_links.toml").write_text(
        '[[link]]\nlocal_doc = "pro-1"\nlocal_path = ["一"]\nlevel = "part"\n'
        'national = [{ doc = "nat-1", path = ["二"] }, { doc = "nat-2", path = ["二"] }]\n\n'
        '[[link]]\nlocal_doc = "pro-1"\nlocal_path = ["二"]\nlevel = "sentence"\nlocal_text = "推进工业数据汇聚"\n'
        'national = [{ doc = "nat-1", path = ["三"] }]\n\n'
        '[[link]]\nlocal_doc = "pro-1"\nlocal_path = ["三"]\nlevel = "part"\nnational = []\n', encoding="utf-8")

    def unit(path: str, text: str) -> SimpleNamespace:
        return SimpleNamespace(doc_id="pro-1", path=[path], kind="provision", heading="", text=text)

    units = SimpleNamespace(units=[unit("一", "建设省工业大数据中心，对接国家中心节点。"), unit("二", "加速工业数据汇聚。推进工业数据汇聚。"),
                                   unit("三", "加强组织领导。")])
    docs = SimpleNamespace(docs=[SimpleNamespace(doc_id=d) for d in ("pro-1", "nat-1", "nat-2")])
    cases = load_doc_cases(tmp_path, units, docs)  # type: ignore[arg-type]
    assert [(c.id, c.task, c.query, sorted(c.relevant), c.national_only) for c in cases] == [
        ("plink1", "link:test", "建设省工业大数据中心，对接国家中心节点。", ["nat-1", "nat-2"], True),
        ("plink2", "link:test", "推进工业数据汇聚", ["nat-1"], True),
    ]
