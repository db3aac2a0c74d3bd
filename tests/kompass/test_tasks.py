"""knowledge/tasks.yaml: main tasks per occupation, typed, sourced and checked on load."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.check import run_checks
from bot.config import PROJECT_ROOT
from bot.content import load_knowledge
from bot.content.models import LANGUAGES
from bot.yamlio import ContentError

# BERUFENET, the BIBB, and the Ausbildungsordnung itself where the federal law portal publishes
# it (gesetze-im-internet.de: the binding text of the Ausbildungsrahmenplan).
OFFICIAL = ("https://web.arbeitsagentur.de/berufenet/", "https://www.bibb.de/",
            "https://bibb.de/", "https://cms.leando.de/",
            "https://www.gesetze-im-internet.de/")  # fmt: skip


def test_every_list_is_sourced_and_names_a_known_occupation() -> None:
    knowledge = load_knowledge(PROJECT_ROOT / "knowledge")
    assert len(knowledge.tasks) >= 30
    for occupation, tasks in knowledge.tasks.items():
        assert occupation in knowledge.occupations
        assert 5 <= len(tasks.items) <= 8
        assert all(str(s.url).startswith(OFFICIAL) for s in tasks.sources), occupation
        for task in tasks.items:
            for language in LANGUAGES:
                text = task.text.get(language)
                assert 0 < len(text.split()) <= 9, (occupation, task.id, language)
    # Turkish with its own letters, Russian in Cyrillic.
    koch = knowledge.tasks["koch"]
    assert any(ch in koch.task("cook").text.tr for ch in "ış")  # type: ignore[union-attr]
    assert all("а" <= ch <= "я" or not ch.isalpha() for ch in koch.items[0].text.ru.lower())


# The fields issue 12 names for adults without a qualification, each with the occupations whose
# lists count for it; every field needs at least one list.
FIELDS: dict[str, frozenset[str]] = {
    "logistics": frozenset({"fachkraft_lagerlogistik", "fachlagerist", "fachkraft_kep",
                            "kaufmann_spedition"}),
    "retail": frozenset({"verkaeufer", "kaufmann_einzelhandel",
                         "fachverkaeufer_lebensmittelhandwerk"}),
    "gastronomy": frozenset({"koch", "fachkraft_gastronomie", "hotelfachmann",
                             "fachmann_restaurants", "fachmann_systemgastronomie"}),
    "cleaning": frozenset({"gebaeudereiniger", "textilreiniger"}),
    "care": frozenset({"pflegefachmann", "pflegefachassistenz"}),
    "construction": frozenset({"maurer", "strassenbauer", "tiefbaufacharbeiter", "zimmerer",
                               "trockenbaumonteur", "fliesenleger", "dachdecker"}),
    "crafts": frozenset({"baecker", "fleischer", "maler_lackierer", "tischler", "elektroniker",
                         "anlagenmechaniker_shk", "kfz_mechatroniker", "friseur"}),
    "metal": frozenset({"fachkraft_metalltechnik", "metallbauer", "industriemechaniker",
                        "zerspanungsmechaniker", "maschinen_anlagenfuehrer"}),
    "driving": frozenset({"berufskraftfahrer", "fachkraft_fahrbetrieb"}),
    "office": frozenset({"kaufmann_bueromanagement"}),
}  # fmt: skip


def _uncovered_fields(occupations_with_lists: set[str]) -> list[str]:
    return [field for field, ids in FIELDS.items() if not ids & occupations_with_lists]


def test_the_lists_cover_every_field_of_the_issue() -> None:
    knowledge = load_knowledge(PROJECT_ROOT / "knowledge")
    # A misspelt id would silently never count: every id must be a known occupation.
    assert {oid for ids in FIELDS.values() for oid in ids} <= set(knowledge.occupations)
    assert _uncovered_fields(set(knowledge.tasks)) == []
    # Without the one office list, the office field is reported as uncovered.
    assert _uncovered_fields(set(knowledge.tasks) - {"kaufmann_bueromanagement"}) == ["office"]


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    for folder in ("dialogs", "knowledge", "locales"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder)
    return tmp_path


def _rewrite(root: Path, old: str, new: str) -> Path:
    path = root / "knowledge" / "tasks.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_an_unknown_occupation_is_a_content_error_with_its_line(knowledge_copy: Path) -> None:
    path = _rewrite(knowledge_copy, "occupation: koch", "occupation: sternekoch")
    with pytest.raises(ContentError, match=r"tasks.yaml:\d+: tasks: unknown occupation"):
        load_knowledge(knowledge_copy / "knowledge")
    assert any(str(path) in p and "sternekoch" in p for p in run_checks(knowledge_copy))


def test_a_plain_http_source_is_refused(knowledge_copy: Path) -> None:
    _rewrite(knowledge_copy, "'https://web.arbeitsagentur.de/berufenet/beruf/6628'",
             "'http://berufenet.arbeitsagentur.de/x'")  # fmt: skip
    with pytest.raises(ContentError, match="https"):
        load_knowledge(knowledge_copy / "knowledge")


def test_too_few_tasks_are_refused(knowledge_copy: Path) -> None:
    path = knowledge_copy / "knowledge" / "tasks.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if "occupation: maurer" in line)
    items = [i for i in range(start, start + 12) if lines[i].startswith("  - {id:")]
    del lines[items[0] : items[2]]  # maurer keeps 4 of its 6 tasks
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(ContentError, match="items"):
        load_knowledge(knowledge_copy / "knowledge")
