"""Documents of any division, down to a county: their units name the region in full and the graph
validates (the county concept comes with the document)."""

from __future__ import annotations

from graph.store import GraphStore
from graph.validate import store_graph, validate_graph
from search.filters import regions_inside
from search.from_graph import units_from_store

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
    # city and county concepts came with their documents (the ontology graph holds the provinces)
    report = validate_graph(store_graph(store))
    assert report.conforms, [r.message for r in report.results][:3]
