"""The ``policykg`` command line: parse arguments, call the library, render. Nothing else."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from common.errors import PolicyKGError

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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
