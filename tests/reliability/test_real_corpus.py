"""End to end on a 20-document slice of a real corpus, the way a new user runs it.

``policykg ingest``, ``link``, ``validate`` and ``export`` through the command line, then every
kind of page from the app. The corpus is not in the repo: ``$POLICYKG_REAL_CORPUS`` or
``<repo>/../shared/realcorpus`` (a folder with ``manifest.toml``); the test skips without it.
The slice takes the smaller documents of each level, evenly spread, so it loads the model,
embeds ~1k units and stays near a minute on two cores.
"""

from __future__ import annotations

import os
import re
import shutil
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.cli import app as cli
from common.settings import Settings

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
BASE = "http://testserver"
SLICE = {"national": 12, "provincial": 8}


def real_corpus() -> Path | None:
    path = Path(os.environ.get("POLICYKG_REAL_CORPUS") or REPO.parent / "shared" / "realcorpus")
    return path if (path / "manifest.toml").is_file() else None


def make_slice(source: Path, target: Path) -> list[str]:
    """Copy a spread of smaller documents of each level, with their manifest entries as written."""
    blocks = source.joinpath("manifest.toml").read_text(encoding="utf-8").split("[[document]]")[1:]
    entries = [(tomllib.loads("[[document]]" + b)["document"][0], b) for b in blocks]
    chosen: list[tuple[dict[str, str], str]] = []
    for level, count in SLICE.items():
        of_level = sorted((e for e in entries if e[0].get("level") == level),
                          key=lambda e: (source / e[0]["file"]).stat().st_size)
        smaller = of_level[: max(count, len(of_level) // 4)]
        chosen += smaller[:: max(1, len(smaller) // count)][:count]
    for entry, _ in chosen:
        (target / entry["file"]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / entry["file"], target / entry["file"])
    target.joinpath("manifest.toml").write_text("".join("[[document]]" + b for _, b in chosen), encoding="utf-8")
    return [e["file"] for e, _ in chosen]


@dataclass
class Run:
    data: Path
    files: list[str]
    env: dict[str, str]
    outputs: dict[str, tuple[int, str]]  # command -> (exit code, stdout + stderr)


@pytest.fixture(scope="module")
def real_run(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> Run:
    source = real_corpus()
    if source is None:
        pytest.skip("no real corpus: set POLICYKG_REAL_CORPUS or put one at ../shared/realcorpus")
    corpus = tmp_path_factory.mktemp("realslice")
    files = make_slice(source, corpus)
    data = tmp_path_factory.mktemp("realdata")
    env = {"POLICYKG_MODEL": str(model_path), "POLICYKG_BASE_IRI": BASE, "POLICYKG_STORE": "oxigraph"}
    runner = CliRunner()
    outputs = {}
    for name, args in (("ingest", ["ingest", str(corpus)]), ("link", ["link"]), ("validate", ["validate"])):
        result = runner.invoke(cli, [*args, "--data", str(data)], env=env)
        outputs[name] = (result.exit_code, result.output)
    return Run(data, files, env, outputs)


def test_ingest_and_link_complete_on_real_texts(real_run: Run) -> None:
    code, out = real_run.outputs["ingest"]
    assert code == 0, out
    assert f"ingested {len(real_run.files)} documents" in out
    code, out = real_run.outputs["link"]
    assert code == 0, out
    linked = re.search(r"linked (\d+) local provisions", out)
    assert linked and int(linked.group(1)) > 0, out


def test_the_real_graph_conforms_to_its_shapes(real_run: Run) -> None:
    code, out = real_run.outputs["validate"]
    assert code == 0, out
    assert re.match(r"Conforms", out), out
    assert "violation" not in out.split("\n", 1)[0] or " 0 violation" in out


def test_export_writes_every_document_graph(real_run: Run) -> None:
    result = CliRunner().invoke(cli, ["export", "-f", "nq", "--data", str(real_run.data)], env=real_run.env)
    assert result.exit_code == 0, result.output
    quads = list(ox.parse(result.stdout_bytes, format=ox.RdfFormat.N_QUADS))
    graphs = {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}
    ids = {Path(f).stem for f in real_run.files}
    assert all(any(g.rstrip("/").endswith(i) for g in graphs) for i in ids)


@pytest.fixture(scope="module")
def client(real_run: Run, model_path: Path) -> Iterator[TestClient]:
    from api.app import create_app

    settings = Settings(data=real_run.data, model=str(model_path), base_iri=BASE)
    with TestClient(create_app(settings), headers={"Accept": "text/html"}) as c:
        yield c


def test_every_page_renders_for_real_documents(client: TestClient, real_run: Run) -> None:
    for path in ("/", "/documents", "/links", "/coverage", "/search?q=人工智能", "/sparql"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
    docs = client.get("/documents", headers={"Accept": "application/json"}).json()
    assert len(docs) == len(real_run.files)
    for doc in docs:
        page = client.get(f"/documents/{doc['id']}")
        assert page.status_code == 200, (doc["id"], page.text[:300])
    deepest = client.get("/sparql", headers={"Accept": "application/sparql-results+json"}, params={"query": (
        "PREFIX pkg: <https://w3id.org/policykg/ns#> SELECT ?p ?path WHERE { ?p pkg:path ?path } "
        "ORDER BY DESC(STRLEN(?path)) LIMIT 5")}).json()["results"]["bindings"]
    for row in deepest:  # the most deeply numbered provisions, e.g. 三/（二）/1/（3）
        page = client.get(row["p"]["value"].removeprefix(BASE))
        assert page.status_code == 200, (row["path"]["value"], page.text[:300])
