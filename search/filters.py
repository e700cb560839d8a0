"""Search filters: which units a search may return (level, region, kind of document or unit).

A region filter takes the region and every region inside it (GB/T 2260 hierarchy), so a province's
filter keeps its cities' documents; the retrievers apply the mask before ranking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ontology.regions import NATIONAL, divisions, region_within


@dataclass(frozen=True)
class Filters:
    """Restrict a search. ``region`` matches the region and every region inside it (GB/T 2260
    hierarchy): 山东省 or 370000 matches 山东省济南市 and its counties; a name the division table
    does not know matches as a prefix."""

    level: tuple[str, ...] | str | None = None
    region: tuple[str, ...] | str | None = None
    doc_type: tuple[str, ...] | str | None = None
    kind: tuple[str, ...] | str | None = None
    exclude_doc_id: tuple[str, ...] | str | None = None

    def key(self) -> tuple[tuple[str, ...] | None, ...]:
        return tuple(_as_tuple(v) for v in (self.level, self.region, self.doc_type, self.kind, self.exclude_doc_id))

    def is_empty(self) -> bool:
        return all(v is None for v in self.key())


def regions_inside(names: Sequence[str], wanted: Sequence[str]) -> list[str]:
    """The region names among ``names`` that lie within one of ``wanted`` (a name or GB/T 2260
    code): 山东省 takes 山东省济南市 and 济南市历下区; a name the division table does not know
    is taken when it starts with a wanted name. 全国 takes only the national documents, as a
    filter always meant (every region lies within the country, but "全国" asks for the centre's texts)."""
    d = divisions()

    def is_national(name: str) -> bool:
        region = d.lookup(name)
        return region is not None and region.code == NATIONAL

    local = [w for w in wanted if not is_national(w)]
    want_national = len(local) < len(wanted)
    return [name for name in names if (want_national and is_national(name))
            or any(region_within(name, w) or name.startswith(w) for w in local)]


def _as_tuple(value: tuple[str, ...] | list[str] | str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return (value,) if isinstance(value, str) else tuple(sorted(value))
