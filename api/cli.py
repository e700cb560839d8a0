"""The ``policykg`` command line: parse arguments, call the library, render. Nothing else.

The app and what every command shares are in ``api.cli_base``; the commands that read files or
write the store are here; the reading commands in ``api.cli_read`` (imported last, so ``--help``
lists the typical run first).
"""

from __future__ import annotations

import json
import os
import sys
from itertools import count
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from api.cli_base import (
    DataOpt,
    FileArg,
    app,
    ends_without_teardown,
    friendly,
    progress_bars,
    service_for,
    settings_for,
)
from common.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Callable

    from api.service import Service
    from graph.validate import ValidationReport
    from ingest.formats.records import Problem
    from ingest.model import Document
    from ingest.pipeline import Progress


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
    svc = service_for(ctx, data, bulk=True)
    problems: list[Problem] = []
    refused: list[str] = []
    warned: list[str] = []

    def checked(doc: Document, report: ValidationReport) -> None:
        if report.results:
            (refused if report.violations else warned).append(f"  {doc.path}: {report.brief()}")

    with progress_bars() as progress:
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
        svc.prefetch(doc)
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
    """Delete one document's named graph and its own links (links of other documents to it go at the next `policykg link`)."""
    svc = service_for(ctx, data, existing=True)
    svc.remove(doc)
    typer.echo(f"removed {doc}")
    svc.close()


@app.command()
@friendly
def link(ctx: typer.Context, data: DataOpt = None,
         full: Annotated[bool, typer.Option("--full", help="Recompute and rewrite every links graph, even when "
                                            "nothing changed since the last link.")] = False) -> None:
    """Link every local document and provision to what it implements one level up (and to similar
    provisions of other provinces), resolve citations again, group copies.

    Only what changed since the last link is done: when no document was ingested, changed or
    removed (and the linking models are the same), nothing; otherwise only the local documents
    whose inputs changed are linked again (a new provincial plan: that plan and its province's
    cities; a new national one: every local document; see search/link_store.py), and of those only
    the links graphs whose links changed are replaced, in one transaction. A score that moved only
    a little (less than SCORE_TOLERANCE) keeps its stored value. --full recomputes and rewrites
    everything (BM25's corpus statistics move a little with every document: a kept link may differ
    slightly from a full link's). `ingest` and `remove` do not link (run this after them); an upload
    over HTTP links."""
    from search.units import skip_report

    svc = service_for(ctx, data, existing=True, bulk=True)
    s = svc.link(full=full, progress=True)
    if s.mode == "unchanged":
        typer.echo("links are up to date: nothing was ingested, changed or removed since the last link "
                   "(--full to redo them)")
        svc.close()
        return
    typer.echo(
        f"linked {s.local_units} local provisions of {s.documents_relinked} local documents ({s.documents_kept} more "
        f"kept as they were: their inputs did not change): {s.implements} implements candidates, documents and "
        f"provisions ({s.asserted} asserted as eli:implements; {s.documents_linked} documents with a parent), "
        f"{s.resembles} cross-region resemblances; citations {s.citations_resolved}/{s.citations} resolved; "
        f"{s.copy_groups} copy groups, {s.edition_series} edition series; {s.mode}: "
        f"{s.graphs_written} links graphs written, {s.graphs_dropped} dropped"
    )
    if s.skipped:
        typer.secho(skip_report(s.skipped), fg=typer.colors.YELLOW, err=True)
    svc.close()


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

    uvicorn.run(create_app(settings_for(ctx, data)), host=host, port=port, log_level="info")


def main() -> None:
    """The ``policykg`` command. A read command that asked for it (``exit_without_teardown``) ends the
    process without the interpreter's teardown, once its output is flushed."""
    try:
        app()
    except SystemExit as e:
        if not ends_without_teardown():
            raise
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


import api.cli_read  # noqa: E402, F401  (registers the reading commands after these)

if __name__ == "__main__":
    main()
