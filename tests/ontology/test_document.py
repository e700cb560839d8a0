from __future__ import annotations

from ontology.document import README, render


def test_readme_is_generated_from_the_turtle() -> None:
    assert README.read_text(encoding="utf-8") == render(), "run: python -m ontology.document"


def test_readme_lists_every_class_with_an_example() -> None:
    text = render()
    for name in ("pkg:Task", "pkg:Action", "pkg:Target", "pkg:Alignment", "eli:LegalResource"):
        assert name in text
    assert "15家以上" in text
