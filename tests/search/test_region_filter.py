"""The search region filter follows the division hierarchy (no index or model needed)."""

from __future__ import annotations

import pytest

from search.filters import regions_inside

# Region names as the graph hands them to search (province, province+city, city+county).
NAMES = ["全国", "山东省", "山东省济南市", "山东省青岛市", "济南市历下区", "广东省", "广东省广州市", "江苏省"]


@pytest.mark.parametrize(("wanted", "expected"), [
    (["山东省"], ["山东省", "山东省济南市", "山东省青岛市", "济南市历下区"]),
    (["370000"], ["山东省", "山东省济南市", "山东省青岛市", "济南市历下区"]),
    (["济南市"], ["山东省济南市", "济南市历下区"]),
    (["广东省", "江苏省"], ["广东省", "广东省广州市", "江苏省"]),
    (["全国"], ["全国"]),  # the national documents, as the filter always meant
    (["全国", "江苏省"], ["全国", "江苏省"]),
])
def test_a_filter_on_a_region_takes_every_region_inside_it(wanted: list[str], expected: list[str]) -> None:
    assert regions_inside(NAMES, wanted) == expected
