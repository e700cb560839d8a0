"""Coverage read models: which regions have taken up which national tasks and documents.

Rows and columns hold only what has links unless asked for every task; a city counts directly
(its own provisions aligned) or through its province (its plan implements a provincial plan
that takes the task up). Read from the links graph by the internal queries ``coverage``,
``national-tasks`` and ``coverage-chains``.
"""

from __future__ import annotations

from typing import Any

from rdflib import Literal

from graph.queries import internal_query
from graph.store import GraphStore
from ontology.regions import divisions


def coverage(store: GraphStore, *, every_task: bool = False) -> dict[str, Any]:
    """National tasks x regions: which regions' provisions are aligned to which national task,
    with the number of alignments, of likely ones (probability ≥ 0.5 or asserted: the task is taken
    up) and of asserted eli:implements links. Only the tasks and
    regions that have links, unless ``every_task`` (then every national task, in document order)."""
    tasks: dict[str, dict[str, Any]] = {}
    regions: dict[str, str] = {}

    def task_of(row: Any) -> dict[str, Any]:
        return tasks.setdefault(str(row.task), {
            "task": str(row.task), "document": str(row.taskDoc),
            "documentTitle": None if row.taskDocTitle is None else str(row.taskDocTitle),
            "path": str(row.taskPath), "title": None if row.taskTitle is None else str(row.taskTitle),
            "regions": {}, "total": 0})

    if every_task:
        for row in store.query(internal_query("national-tasks")):
            task_of(row)
    for row in store.query(internal_query("coverage")):
        task = task_of(row)
        code = str(row.regionCode)
        regions[code] = str(row.region)
        count, implements = int(row.links.toPython()), int(row.implements.toPython() or 0)
        task["regions"][code] = {"links": count, "likely": int(row.likely.toPython() or 0), "implements": implements}
        task["total"] += count
    return {"regions": [{"code": c, "name": n} for c, n in sorted(regions.items())],
            "tasks": list(tasks.values())}


def coverage_chains(store: GraphStore, national_doc: str | None = None) -> dict[str, Any]:
    """Which cities have taken up each national task, directly (a provision of the city's own
    document is aligned to it) or through their province (the city's document implements a
    provincial document that takes the task up): per task, per city, each route with its
    alignments, asserted eli:implements, the city documents and, for the province route, the
    provincial documents in between. ``national_doc``: one national document's tasks only."""
    bindings = {"taskDoc": Literal(national_doc)} if national_doc else None
    tasks: dict[str, dict[str, Any]] = {}
    for row in store.query(internal_query("coverage-chains"), bindings=bindings):
        task = tasks.setdefault(str(row.task), {
            "task": str(row.task), "document": str(row.taskDoc),
            "documentTitle": None if row.taskDocTitle is None else str(row.taskDocTitle),
            "path": str(row.taskPath), "title": None if row.taskTitle is None else str(row.taskTitle), "cities": {}})
        city = task["cities"].setdefault(str(row.cityCode), {
            "code": str(row.cityCode), "name": None if row.cityName is None else str(row.cityName), "routes": {}})
        route = city["routes"].setdefault(str(row.route), {"links": 0, "implements": 0, "documents": [], "via": []})
        route["links"] += int(row.links.toPython())
        route["implements"] += int(row.implements.toPython() or 0)
        for key, value in (("documents", row.localDoc), ("via", row.viaDoc)):
            if value is not None and str(value) not in route[key]:
                route[key].append(str(value))
    for task in tasks.values():
        task["cities"] = list(task["cities"].values())
    return {"tasks": list(tasks.values())}


def coverage_by_document(store: GraphStore, *, all_rows: bool = False) -> dict[str, Any]:
    """National documents x regions: per national document, how many of its tasks each region has
    taken up (``tasks``: a likely alignment, probability ≥ 0.5 or asserted) and how many it has
    only candidates for (``candidates``: any alignment); rows and columns without any alignment are
    left out unless ``all_rows``. ``provinces`` counts, per province, the national tasks taken up
    there (for the map)."""
    cov = store.kept("coverage-every-task", lambda: coverage(store, every_task=True))  # every task: a row counts its tasks, linked or not
    docs: dict[str, dict[str, Any]] = {}
    per_province: dict[str, set[str]] = {}
    for task in cov["tasks"]:
        row = docs.setdefault(task["document"], {"document": task["document"], "title": task["documentTitle"],
                                                 "tasks": 0, "regions": {}, "covered": 0})
        row["tasks"] += 1
        row["covered"] += any(cell["likely"] for cell in task["regions"].values())
        for code, cell in task["regions"].items():
            c = row["regions"].setdefault(code, {"tasks": 0, "candidates": 0, "links": 0, "implements": 0})
            c["candidates"] += 1
            c["tasks"] += bool(cell["likely"])
            c["links"] += cell["links"]
            c["implements"] += cell["implements"]
            province = divisions().province(code)
            if province is not None and cell["likely"]:
                per_province.setdefault(province.name, set()).add(task["task"])
    rows = [r for r in docs.values() if all_rows or r["regions"]]
    used = {code for r in rows for code in r["regions"]}
    regions = [r for r in cov["regions"] if all_rows or r["code"] in used]
    return {"regions": regions, "documents": rows,
            "tasks": [t for t in cov["tasks"] if all_rows or t["regions"]],
            "provinces": [{"name": n, "tasks": len(t)} for n, t in sorted(per_province.items())]}
