"""Search fixtures: the rebuilt e5 model (built once per session) and units from the corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.model import Document
from search.units import Unit


@pytest.fixture(scope="session")
def embedder(model_data_dir: Path):
    """The product's embedder: the default runtime (ONNX int8)."""
    from search.embedder import Embedder

    return Embedder(model_data_dir)


@pytest.fixture(scope="session")
def openvino_embedder(model_data_dir: Path):
    """OpenVINO on the fp32 export, bfloat16 where the CPU has it."""
    from search.embedder import Embedder

    return Embedder(model_data_dir, runtime="openvino")


@pytest.fixture(scope="session")
def torch_embedder(model_data_dir: Path):
    """The reference: sentence-transformers on torch."""
    from search.embedder import Embedder

    return Embedder(model_data_dir, runtime="torch")


@pytest.fixture(scope="session")
def onnx_embedder(model_data_dir: Path):
    """ONNX Runtime, fp32."""
    from search.embedder import Embedder

    return Embedder(model_data_dir, runtime="onnx")


def units_of(doc: Document) -> list[Unit]:
    """One unit per provision with text, the way the graph layer will hand them over."""
    meta = doc.metadata
    return [
        Unit(
            iri=f"urn:test:{doc.id}/{'/'.join(p.path) or i}",
            text=p.text.strip(),
            doc_id=doc.id,
            doc_title=meta.title or doc.id,
            doc_number=meta.doc_number,
            level=meta.level or "national",
            region=meta.region or "全国",
            date=meta.date,
            doc_type=meta.doc_type,
            path=list(p.path),
            heading=p.heading,
            kind="provision",
        )
        for i, p in enumerate(doc.provisions)
        if p.text.strip()
    ]


@pytest.fixture(scope="session")
def corpus_units(corpus_docs: dict[str, Document]) -> list[Unit]:
    units: list[Unit] = []
    seen: set[str] = set()
    for doc in corpus_docs.values():
        for u in units_of(doc):
            if u.iri not in seen:
                seen.add(u.iri)
                units.append(u)
    return units
