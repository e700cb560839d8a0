"""Search units carry the full region name of any division, so the region filter can place them."""

from __future__ import annotations

from graph.store import GraphStore
from search.from_graph import units_from_store
from search.hybrid import regions_inside

from .conftest import guangdong_jiedu


def test_units_name_the_province_city_and_county_of_their_document(store: GraphStore) -> None:
    docs = []
    for doc_id, region in (("county", "济南市历下区"), ("city", "山东省青岛市"), ("province", "山东省")):
        doc = guangdong_jiedu()
        doc.id, doc.metadata.region, doc.metadata.level = doc_id, region, "municipal"
        docs.append(doc)
    store.ingest(docs)
    regions = {u.doc_id: u.region for u in units_from_store(store)}
    assert regions == {"county": "山东省济南市历下区", "city": "山东省青岛市", "province": "山东省"}
    assert regions_inside(sorted(regions.values()), ["济南市"]) == ["山东省济南市历下区"]
