"""The reading commands of ``policykg``: SPARQL, queries, export, validate, stats, links, search, eval."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from api.cli_base import DataOpt, app, exit_without_teardown, friendly, service_for
from common.errors import InputError


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
    svc = service_for(ctx, data, read_only=True, existing=True)
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
    svc = service_for(ctx, data, read_only=True, existing=True)
    sys.stdout.buffer.write(svc.store.export(fmt, graph))
    svc.close()


@app.command()
@friendly
def validate(ctx: typer.Context, data: DataOpt = None) -> None:
    """Check the whole graph against the SHACL shapes; exit 1 with a report on violations."""
    from graph.validate import validate_store

    svc = service_for(ctx, data, read_only=True, existing=True)
    report = validate_store(svc.store)
    svc.close()
    typer.echo(report.text())
    if not report.conforms:
        raise typer.Exit(1)


@app.command()
@friendly
def stats(ctx: typer.Context, data: DataOpt = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Documents, provisions, tasks, actions, targets, agencies, links and triples in the store."""
    svc = service_for(ctx, data, read_only=True, existing=True)
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

    svc = service_for(ctx, data, read_only=True, existing=True)
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
    if group not in ("document", "provision"):
        raise InputError(f"--group must be document or provision, not {group!r}.")
    svc = service_for(ctx, data, read_only=True, existing=True)
    run = svc.search_documents if group == "document" else svc.search
    hits = run(query, k=k, level=level, region=region, doc_type=doc_type)
    svc.close()
    exit_without_teardown(svc, hits)
    from search.documents import DocumentHit  # imported by the search, after the model started loading
    from search.hybrid import Hit

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
            if hit.conflicts:
                typer.echo(f"    title contradicts the query's {', '.join(hit.conflicts)}")
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

    svc = service_for(ctx, data, read_only=True, existing=True)
    index = svc.index()
    gold_dir = gold or svc.settings.gold
    scores = evaluate(index, load_gold(gold_dir, index))
    linking = link_context(svc.store, index)
    doc_model, provision_model = load_model("document", DOC_FEATURES), load_model("provision", PROVISION_FEATURES)
    report = shipped_report(dataset(index, load_link_gold(gold_dir, index), linking.docs, linking.cites,
                                    linking.canonical), doc_model, provision_model)
    docs = svc.document_index(index)
    doc_scores = evaluate_documents(index, docs, load_doc_cases(gold_dir, index, docs), groups=svc.copy_groups(),
                                    cited=svc.cited_names())
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
