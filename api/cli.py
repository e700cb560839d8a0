"""The ``policykg`` command line: parse arguments, call the library, render. Nothing else."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from itertools import count
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from common.errors import InputError, PolicyKGError

if TYPE_CHECKING:
    from api.service import Service
    from common.settings import Settings
    from graph.validate import ValidationReport
    from ingest.formats.records import Problem
    from ingest.model import Document
    from ingest.pipeline import Progress

app = typer.Typer(
    name="policykg",
    help=(
        "Knowledge graph and semantic search over Chinese policy documents.\n\n"
        "Typical run: `policykg ingest` (bundled corpus -> graph), `policykg link`, `policykg serve`."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])


def friendly(func: F) -> F:
    """Turn the project's errors into one line on stderr and exit code 2, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PolicyKGError as e:
            typer.secho(f"error: {e}", fg=typer.colors.RED, err=True)
            raise typer.Exit(2) from e

    return wrapper  # type: ignore[return-value]


FileArg = Annotated[Path, typer.Argument(help="A policy text file (UTF-8, GB18030/GBK, Big5 or UTF-16 with BOM).")]


@app.command()
@friendly
def normalize(file: FileArg) -> None:
    """Print the cleaned Simplified-Chinese UTF-8 text; report repairs on stderr.

    Repairs: encoding detected, pinyin glosses stripped, GBK mojibake runs repaired (and
    characters left damaged, marked □), Traditional characters converted, punctuation unified.
    """
    from ingest.normalize import normalize as run
    from ingest.normalize import report_lines
    from ingest.reader import read_file

    raw, encoding = read_file(file)
    norm = run(raw)
    sys.stdout.write(norm.text)
    if not norm.text.endswith("\n"):
        sys.stdout.write("\n")
    for line in report_lines(norm, encoding):
        typer.echo(line, err=True)


@app.command()
@friendly
def parse(
    file: FileArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full document model as JSON.")] = False,
    corpus: Annotated[Path | None, typer.Option(help="Corpus folder whose manifest.toml describes FILE.")] = None,
) -> None:
    """Parse one file into the document model: metadata, provision tree, agencies, actions,
    targets and citations (character offsets point into the normalized text)."""
    from ingest.manifest import read_manifest
    from ingest.pipeline import parse_file

    meta = None
    corpus_dir = corpus
    if corpus_dir is None:
        from common.settings import get_settings

        default = get_settings().corpus
        if file.resolve().is_relative_to(default.resolve()):
            corpus_dir = default
    if corpus_dir is not None:
        rel = str(file.resolve().relative_to(corpus_dir.resolve()))
        meta = next((e for e in read_manifest(corpus_dir) if e.file == rel), None)
        corpus_dir = corpus_dir.resolve()
    doc = parse_file(file.resolve(), meta=meta, corpus_dir=corpus_dir)
    if as_json:
        typer.echo(json.dumps(doc.to_dict(), ensure_ascii=False, indent=2))
        return
    md = doc.metadata
    typer.echo(f"{md.title}\n{md.doc_number or '(no 文号)'}  {md.date or '(no date)'}  {md.doc_type or ''}")
    typer.echo(f"issuers: {'、'.join(md.issuers) or '-'}")
    typer.echo(f"addressees: {'，'.join(md.addressees) or '-'}")
    for conflict in doc.conflicts:
        typer.secho(f"manifest disagrees: {conflict}", fg=typer.colors.YELLOW, err=True)
    for prov in doc.provisions:
        indent = "  " * (prov.depth - 1)
        mark = " (numbering inferred)" if prov.numbering_inferred else ""
        typer.echo(f"{indent}{'/'.join(prov.path)} {prov.heading or prov.text[:30]}{mark}")
        for t in prov.targets:
            typer.echo(f"{indent}  target: {t.text} {t.subject} ({t.comparator}{', by ' + t.deadline if t.deadline else ''})")


@app.callback()
def options(
    ctx: typer.Context,
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            help=(
                "Where the graph lives: oxigraph (embedded, in the data directory; the default), "
                "oxigraph:PATH, or sparql+http://HOST:PORT/sparql for any SPARQL 1.1 store (e.g. "
                "Virtuoso). Credentials come only from POLICYKG_STORE_USER / POLICYKG_STORE_PASSWORD."
            ),
        ),
    ] = None,
) -> None:
    """Knowledge graph and semantic search over Chinese policy documents."""
    ctx.obj = {"store": store} if store else {}


@contextmanager
def _progress_bars() -> Iterator[Progress]:
    """A ``progress(stage, done, total)`` callback drawing one transient bar per stage."""
    from rich.progress import Progress as Bars
    from rich.progress import TaskID

    with Bars(transient=True) as bars:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bars.add_task(stage, total=total)
            bars.update(tasks[stage], completed=done, total=total)

        yield progress


DataOpt = Annotated[
    Path | None,
    typer.Option("--data", help="Data directory (graph store, model, index). Default: $POLICYKG_DATA or ./data."),
]


def _settings(ctx: typer.Context, data: Path | None) -> Settings:
    """The settings from ``POLICYKG_*``, overridden by the global ``--store`` and the command's ``--data``."""
    from common.settings import Settings

    overrides: dict[str, Any] = dict(ctx.find_root().obj or {})
    if data is not None:
        overrides["data"] = data
    return Settings(**overrides)


def _service(ctx: typer.Context, data: Path | None, *, read_only: bool = False) -> Service:
    from api.service import Service

    return Service(_settings(ctx, data), read_only=read_only)


def _col(field: str, example: str) -> Any:
    return typer.Option(f"--{field.replace('_', '-')}-col", help=f"Table column holding the {field.replace('_', ' ')}"
                        f" (header), e.g. {example}.", rich_help_panel="Table columns")


@app.command()
@friendly
def ingest(
    ctx: typer.Context,
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Files (.txt .html .docx .pdf), tables (.xlsx .csv .tsv .jsonl) or folders; default: the bundled corpus.")] = None,
    data: DataOpt = None,
    text_col: Annotated[str | None, _col("text", "'正文' or 'Policy Content'")] = None,
    title_col: Annotated[str | None, _col("title", "'标题'")] = None,
    date_col: Annotated[str | None, _col("date", "'发布日期' or 'Release Time'")] = None,
    issuer_col: Annotated[str | None, _col("issuer", "'发文机关'")] = None,
    level_col: Annotated[str | None, _col("level", "'层级' (national/provincial/municipal or 国家/省/市)")] = None,
    region_col: Annotated[str | None, _col("region", "'地区'")] = None,
    id_col: Annotated[str | None, _col("id", "'编号' (default: file, sheet and row number)")] = None,
    number_col: Annotated[str | None, _col("doc_number", "'文号'")] = None,
    source_col: Annotated[str | None, _col("source", "'链接' or 'url'")] = None,
    columns: Annotated[Path | None, typer.Option(
        "--columns", help="A TOML file mapping fields to column headers: text = \"正文\", title = \"标题\", …",
        rich_help_panel="Table columns")] = None,
) -> None:
    """Parse documents and (re)place each in its own named graph, in one transaction per document.

    With no PATH, ingests the bundled corpus through corpus/manifest.toml. A folder with a
    manifest.toml is read through it; other folders are read whole. Each table row is one document;
    columns are found by common headers (正文/内容/Policy Content, 标题/Policy Title, 发布日期/Release
    Time, …) unless named. Files and rows that cannot be read are listed and the rest goes in; the
    command fails only when nothing could be ingested.
    """
    from ingest.formats.columns import read_mapping
    from ingest.formats.records import summarize

    mapping = read_mapping(columns) if columns else {}
    given = {"text": text_col, "title": title_col, "date": date_col, "issuer": issuer_col, "level": level_col,
             "region": region_col, "id": id_col, "doc_number": number_col, "source": source_col}
    mapping.update({k: v for k, v in given.items() if v})
    svc = _service(ctx, data)
    problems: list[Problem] = []
    refused: list[str] = []
    warned: list[str] = []

    def checked(doc: Document, report: ValidationReport) -> None:
        if report.results:
            (refused if report.violations else warned).append(f"  {doc.path}: {report.brief()}")

    with _progress_bars() as progress:
        if paths:
            s, problems = _ingest_paths(svc, paths, mapping, progress=progress, on_check=checked)
        else:
            docs = svc.parse_corpus(progress=progress)
            ingested = count(1)
            s = svc.ingest(docs, on_document=lambda _doc: progress("ingesting", next(ingested), len(docs)),
                           on_check=checked).to_dict()
    for line in summarize(problems):
        typer.secho(line, fg=typer.colors.YELLOW if line.startswith("skipped") else None, err=True)
    for title, lines in ((f"skipped {len(refused)} document(s) whose graph violates the shapes (a bug; please report):",
                          refused),
                         (f"{len(warned)} document(s) with defects in the source text (ingested):", warned)):
        if lines:
            typer.secho(title, fg=typer.colors.YELLOW, err=True)
            typer.echo("\n".join(lines), err=True)
    skipped = sum(p.skipped for p in problems)
    typer.echo(
        f"ingested {s['documents']} documents: {s['provisions']} provisions, {s['tasks']} tasks, "
        f"{s['actions']} actions, {s['targets']} targets, {s['agencies']} agencies, "
        f"{s['citations']} citations ({s['citations_resolved']} resolved), {s['triples']} triples"
        + (f"; {skipped} files or rows skipped (listed above)" if skipped else "")
    )
    if not s["documents"]:
        svc.close()
        raise InputError("Nothing was ingested.", hint="See the reasons above; fix the files or name the table "
                         "columns (--text-col …).")
    index = svc.index(progress=True)
    typer.echo(f"search index: {len(index)} units ({index.model}), {len(svc.document_index(index))} documents")
    svc.close()


INGEST_BATCH = 500  # documents written per call: bounds memory on large tables


def _ingest_paths(svc: Service, paths: list[Path], mapping: dict[str, str], *, progress: Progress,
                  on_check: Callable[[Document, ValidationReport], None]) -> tuple[dict[str, Any], list[Problem]]:
    """Stream the documents of ``paths`` into the store in batches, with a progress bar over records."""
    from graph.store import IngestSummary

    job = svc.import_paths(paths, columns=mapping)
    totals: dict[str, Any] = IngestSummary().to_dict()
    batch: list[Document] = []
    total, done = job.estimate(), count(1)

    def flush() -> None:
        for key, value in svc.ingest(batch, on_check=on_check).to_dict().items():
            totals[key] = value if isinstance(value, str) else totals.get(key, 0) + value
        batch.clear()

    for doc in job.documents(on_record=lambda: progress("importing", next(done), total)):
        batch.append(doc)
        if len(batch) >= INGEST_BATCH:
            flush()
    if batch:
        flush()
    if job.other_files:
        others = ", ".join(f"{n} {suffix}" for suffix, n in sorted(job.other_files.items()))
        typer.echo(f"not documents, left alone: {others}", err=True)
    return totals, job.problems


@app.command()
@friendly
def remove(ctx: typer.Context, doc: Annotated[str, typer.Argument(help="Document id, e.g. 2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi")],
           data: DataOpt = None) -> None:
    """Delete one document's named graph (its links are dropped at the next `policykg link`)."""
    svc = _service(ctx, data)
    svc.remove(doc)
    typer.echo(f"removed {doc}")
    svc.close()


@app.command()
@friendly
def sparql(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="A SPARQL query, @FILE, or @NAME of a cookbook query (see `policykg queries`).")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="json | csv | tsv | table | xml (SELECT/ASK); ttl | jsonld | nt (CONSTRUCT/DESCRIBE).")] = "table",
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="NAME=VALUE for a cookbook query's parameter.")] = None,
    data: DataOpt = None,
) -> None:
    """Run a read-only SPARQL query (SELECT, ASK, CONSTRUCT, DESCRIBE) over all graphs."""
    from api.render import serialize
    from graph.queries import load_query

    params = _params(param or [])
    svc = _service(ctx, data, read_only=True)
    if query.startswith("@"):
        path = Path(query[1:])
        if path.is_file():
            result = svc.store.query(path.read_text(encoding="utf-8"))
        else:
            named = load_query(query)
            result = svc.store.query(named.sparql, bindings=named.bindings(params))
    else:
        result = svc.store.query(query)
    body, _ = serialize(result, fmt)
    sys.stdout.write(body.decode("utf-8"))
    svc.close()


def _params(values: list[str]) -> dict[str, str]:
    """``-p NAME=VALUE`` options as a dict; a value without ``=`` is an error, not silently dropped."""
    bad = [v for v in values if "=" not in v or not v.split("=", 1)[0].strip()]
    if bad:
        raise InputError(f"-p takes NAME=VALUE, got {', '.join(repr(v) for v in bad)}.",
                         hint="e.g. policykg sparql @document-tasks -p docId=DOCUMENT-ID")
    return {name.strip(): value for name, value in (v.split("=", 1) for v in values)}


@app.command()
@friendly
def queries() -> None:
    """List the cookbook queries (run one with `policykg sparql @NAME -p PARAM=VALUE`)."""
    from graph.queries import list_queries

    for q in list_queries():
        params = ", ".join(f"{p.name}{'' if p.required else '?'}" for p in q.parameters)
        typer.echo(f"@{q.name}({params})\n    {q.title}: {q.description}")


@app.command()
@friendly
def export(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", "-f", help="ttl | nt | trig | nq | jsonld")] = "trig",
    graph: Annotated[str | None, typer.Option("--graph", help="A document id, 'links' or 'ontology'; default: all data graphs.")] = None,
    data: DataOpt = None,
) -> None:
    """Write the graph (or one named graph) to stdout."""
    svc = _service(ctx, data, read_only=True)
    sys.stdout.buffer.write(svc.store.export(fmt, graph))
    svc.close()


@app.command()
@friendly
def validate(ctx: typer.Context, data: DataOpt = None) -> None:
    """Check the whole graph against the SHACL shapes; exit 1 with a report on violations."""
    from graph.validate import validate_store

    svc = _service(ctx, data, read_only=True)
    report = validate_store(svc.store)
    svc.close()
    typer.echo(report.text())
    if not report.conforms:
        raise typer.Exit(1)


@app.command()
@friendly
def stats(ctx: typer.Context, data: DataOpt = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Documents, provisions, tasks, actions, targets, agencies, links and triples in the store."""
    svc = _service(ctx, data, read_only=True)
    s = svc.store.stats()
    svc.close()
    if as_json:
        typer.echo(json.dumps(s.to_dict(), ensure_ascii=False, indent=2))
        return
    for name, n in s.counts.items():
        typer.echo(f"{name:<12}{n:>8}")
    typer.echo(f"{'triples':<12}{s.quads:>8}\n{'write state':<12}{s.write_state:>8}")


@app.command()
@friendly
def link(ctx: typer.Context, data: DataOpt = None) -> None:
    """Link every local document and provision to what it implements one level up (and to similar
    provisions of other provinces), resolve citations again, group copies; replaces the links graph
    in one transaction."""
    from search.units import skip_report

    svc = _service(ctx, data)
    s = svc.link(progress=True)
    typer.echo(
        f"linked {s.local_units} local provisions: {s.implements} implements candidates, documents and "
        f"provisions ({s.asserted} asserted as eli:implements; {s.documents_linked} documents with a parent), "
        f"{s.resembles} cross-region resemblances; citations {s.citations_resolved}/{s.citations} resolved; "
        f"{s.copy_groups} copy groups, {s.edition_series} edition series"
    )
    if s.skipped:
        typer.secho(skip_report(s.skipped), fg=typer.colors.YELLOW, err=True)
    svc.close()


@app.command()
@friendly
def links(
    ctx: typer.Context,
    from_iri: Annotated[str | None, typer.Option("--from", help="Only links from (or to) this provision IRI.")] = None,
    document: Annotated[str | None, typer.Option("--document", help="Only links from this (local) document id.")] = None,
    target: Annotated[str | None, typer.Option("--target", help="Only links to this document id.")] = None,
    region: Annotated[str | None, typer.Option("--region", help="Only links from this region's documents (山东省 or 370000).")] = None,
    relation: Annotated[str | None, typer.Option("--relation", help="implements or correspondsTo.")] = None,
    asserted: Annotated[bool | None, typer.Option("--asserted/--not-asserted", help="Only links whose eli:implements is (or is not) stated.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="Links per page.")] = 100,
    offset: Annotated[int, typer.Option("--offset", help="Links to skip (the next page starts where the last ended).")] = 0,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    data: DataOpt = None,
) -> None:
    """List one page of the computed links, by local document; the last line says how to get the next page."""
    from graph.views import LinkFilter

    svc = _service(ctx, data, read_only=True)
    page = svc.links(LinkFilter(focus=from_iri, document=document, target_document=target, region=region,
                                relation=relation, asserted=asserted), limit=limit, offset=offset)
    svc.close()
    if as_json:
        typer.echo(json.dumps({"links": page.rows, "offset": page.offset, "limit": page.limit,
                               "next_offset": page.next_offset}, ensure_ascii=False, indent=2, default=str))
        return
    for r in page.rows:
        mark = "*" if r["asserted"] else " "
        score = f"{r['score']:.4f}" if r["score"] is not None else "  -   "
        typer.echo(f"{mark} {r['relation']:<13} {score} #{r['rank']} {r['local_label']}  ->  {r['target_label']}")
    if page.next_offset is not None:
        typer.echo(f"(more: --offset {page.next_offset})", err=True)


@app.command()
@friendly
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Words to search for, Simplified or Traditional.")],
    level: Annotated[str | None, typer.Option(help="national | provincial | municipal")] = None,
    region: Annotated[str | None, typer.Option(help="e.g. 广东省 (matches its cities too)")] = None,
    doc_type: Annotated[str | None, typer.Option("--type", help="Document type, e.g. 通知, 行动方案")] = None,
    k: Annotated[int, typer.Option("-k", help="How many hits (1-100).")] = 10,
    group: Annotated[str, typer.Option(help="document: one hit per document with its best provisions; "
                                            "provision: the flat list of units.")] = "document",
    as_json: Annotated[bool, typer.Option("--json")] = False,
    data: DataOpt = None,
) -> None:
    """Hybrid (embedding + BM25) search: documents with their best provisions, or provisions and actions."""
    from search.documents import DocumentHit
    from search.hybrid import Hit

    if group not in ("document", "provision"):
        raise InputError(f"--group must be document or provision, not {group!r}.")
    svc = _service(ctx, data, read_only=True)
    run = svc.search_documents if group == "document" else svc.search
    hits = run(query, k=k, level=level, region=region, doc_type=doc_type)
    svc.close()
    if as_json:
        typer.echo(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2))
        return
    for hit in hits:
        if isinstance(hit, DocumentHit):
            d = hit.doc
            matched = "; ".join(f"{part}: {'、'.join(v)}" for part, v in hit.matched.items())
            typer.echo(f"{hit.rank:>2}. {hit.relevance:.2f}  {d.title} {d.number or ''} "
                       f"[{'、'.join(d.issuers) or '-'} | {d.region} {d.date or ''}]")
            if matched:
                typer.echo(f"    matches {matched}")
            units = hit.provisions
        else:
            units = [hit]
        for h in units:
            u = h.unit
            if isinstance(hit, Hit):
                typer.echo(f"{h.rank:>2}. {h.score:.4f}  {u.doc_title} {u.doc_number or ''} [{u.level} {u.region} {u.date or ''}]")
            typer.echo(f"    {'/'.join(u.path)} {u.heading or ''}")
            typer.echo(f"    {h.snippet_text}")
            typer.echo(f"    {u.iri}")


@app.command("eval")
@friendly
def evaluate_cmd(
    ctx: typer.Context,
    gold: Annotated[Path | None, typer.Option(
        help="Gold folder: links.toml + queries.toml (bundled) or provision_links.toml + doc_links.toml "
             "(real corpus), and doc_queries.toml for document search. Default: $POLICYKG_GOLD or the "
             "repository's gold set.")] = None,
    data: DataOpt = None,
) -> None:
    """Linking and retrieval quality on one gold set: recall@1/3/5 and MRR per retriever; document
    and provision links with the shipped models (and their cross-validated figures); document search
    R@1/R@3/MRR next to a plain document BM25 baseline computed in the same run."""
    from search.doc_evaluate import evaluate_documents, format_doc_table, load_doc_cases
    from search.doclinks import DOC_FEATURES
    from search.evaluate import evaluate, format_table, load_gold
    from search.link_eval import dataset, format_metrics, load_link_gold, shipped_report
    from search.linking import link_context
    from search.model import load_model
    from search.rerank import PROVISION_FEATURES

    svc = _service(ctx, data, read_only=True)
    index = svc.index()
    gold_dir = gold or svc.settings.gold
    scores = evaluate(index, load_gold(gold_dir, index))
    linking = link_context(svc.store, index)
    doc_model, provision_model = load_model("document", DOC_FEATURES), load_model("provision", PROVISION_FEATURES)
    report = shipped_report(dataset(index, load_link_gold(gold_dir, index), linking.docs, linking.cites,
                                    linking.canonical), doc_model, provision_model)
    docs = svc.document_index(index)
    doc_scores = evaluate_documents(index, docs, load_doc_cases(gold_dir, index, docs))
    svc.close()
    typer.echo(format_table(scores))
    for s in scores:
        if s.mode == "hybrid" and s.misses:
            typer.echo(f"hybrid misses (not in top 3) for {s.task}: {', '.join(s.misses)}")
    typer.echo(f"\nlinks with the shipped models (document cut {doc_model.cut:.3f}, provision cut {provision_model.cut:.3f}):")
    typer.echo(format_metrics("document", report["document"], ("docs", "positives", "r1", "asserted", "precision",
                                                                 "recall", "negatives_clean")))
    keys = ("positives", "r1", "r3", "r5", "mrr", "asserted", "precision", "recall")
    for name in ("provision hybrid", "provision reranked"):
        typer.echo(format_metrics(name, report[name], keys))
    typer.echo("(the shipped models were fitted on the gold sets; their cross-validated figures, per set, are in "
               "search/linking_models.json under note.cross_validated)")
    typer.echo("\ndocument search (first distinct documents; bm25-doc = plain BM25 over whole documents):")
    typer.echo(format_doc_table(doc_scores))
    for s in doc_scores:
        if s.method == "doc-hybrid" and s.misses:
            typer.echo(f"doc-hybrid misses (not first) for {s.task}: {', '.join(s.misses)}")


@app.command()
@friendly
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    data: DataOpt = None,
) -> None:
    """Serve the SPARQL endpoint, search, JSON-LD entities and the web page."""
    import uvicorn

    from api.app import create_app

    uvicorn.run(create_app(_settings(ctx, data)), host=host, port=port, log_level="info")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
