"""What every ``policykg`` command shares: the app, its global options, settings and service from
the command line, one-line errors and progress bars."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from common.errors import PolicyKGError

if TYPE_CHECKING:
    from api.service import Service
    from common.settings import Settings
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

# What a command that has closed its store and written its output hands to ``api.cli.main``: the
# process then ends without freeing it object by object (the ONNX session, the index and the
# dictionaries took ~0.5 s to free after a search printed its hits; the OS takes the memory back at once).
_left_to_the_os: list[object] = []


def exit_without_teardown(*keep: object) -> None:
    """Let ``main`` end the process at once after this command; ``keep`` stays alive until then."""
    _left_to_the_os.extend(keep or [None])


def ends_without_teardown() -> bool:
    return bool(_left_to_the_os)


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
def progress_bars() -> Iterator[Progress]:
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


def settings_for(ctx: typer.Context, data: Path | None) -> Settings:
    """The settings from ``POLICYKG_*``, overridden by the global ``--store`` and the command's ``--data``."""
    from pydantic import ValidationError

    from common.errors import SettingsError
    from common.settings import Settings

    overrides: dict[str, Any] = dict(ctx.find_root().obj or {})
    if data is not None:
        overrides["data"] = data
    try:
        return Settings(**overrides)
    except ValidationError as e:
        wrong = "; ".join(f"POLICYKG_{'_'.join(map(str, err['loc'])).upper()}={err.get('input')!r}: {err['msg']}"
                          for err in e.errors())
        raise SettingsError(f"A setting has a value it cannot take: {wrong}.",
                            hint="Fix or unset that environment variable (or the --store option); README, 'Commands', lists them.") from e


def service_for(ctx: typer.Context, data: Path | None, *, read_only: bool = False, existing: bool = False,
                bulk: bool = False) -> Service:
    """The service over the data directory; ``existing``: the command works on documents already
    ingested, so a directory without a store is an error, not a new empty store (a mistyped --data).
    ``bulk``: the command embeds many texts (ingest, link), a pass per core at once, so each pass
    runs on one thread unless ``POLICYKG_MODEL_THREADS`` says otherwise: two passes of two threads
    each on two cores made the real corpus's first link 1.2× slower for the same vectors (README)."""
    from api.service import Service

    settings = settings_for(ctx, data)
    if bulk and settings.model_threads is None:
        settings = settings.model_copy(update={"model_threads": 1})
    if existing and settings.store == "oxigraph" and not (settings.data / "oxigraph").is_dir():
        from graph.errors import NoStoreError

        raise NoStoreError(settings.data, hint="Check --data (or POLICYKG_DATA): it names the folder the ingest wrote.")
    return Service(settings, read_only=read_only)
