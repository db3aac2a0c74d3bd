"""The Kom-Pass PDF: the person's data and the computed plan in their language and in German,
a valid file, an embedded font that has every letter used, and the page rendered to PNG."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from bot.config import PROJECT_ROOT
from bot.engine.facts import Facts
from bot.engine.render import Renderer
from bot.kompass import PlanLine, build_plan
from bot.kompass.pdf import FONT_FILES, render_pdf
from bot.service import Content

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
NAME = "Ayşe Yılmaz-İğneci"
CASE = {"occupation": "koch", "years": 5, "workload": 1, "country": "TR",
        "employment": "unemployed"}  # fmt: skip


def _pdf(content: Content, language: str, slots: dict[str, object] | None = None) -> bytes:
    facts = Facts(content.knowledge, slots or CASE, "dortmund", 180)
    course = PlanLine(
        "courses.item",
        {"title": "Kochkurs", "provider": "Träger", "format": "Teilzeit", "start": "01.03.2099",
         "voucher": "ja"},
    )  # fmt: skip
    plan = build_plan(facts, courses=[course])
    return render_pdf(
        plan, renderer=Renderer(content.knowledge), reader=content.catalogs.translator(language),
        german=content.catalogs.translator("de"), name=NAME, created=dt.date(2026, 12, 1),
        stored_days=180,
    )  # fmt: skip


def _text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data), strict=True)
    return "\n".join(page.extract_text() for page in reader.pages)


def test_turkish_and_german_with_the_computed_plan(content: Content) -> None:
    text = " ".join(_text(_pdf(content, "tr")).split())
    assert NAME in text
    assert "Yetkinlik pusulam" in text
    assert "Mein Kompetenz-Kom-Pass" in text
    # The 1.5 × rule: a cook (3 years) needs 4,5 years; 5 years full-time are enough.
    assert "4,5 yıl iş deneyimi gerekir. Sizin 5 yıl" in text
    assert "brauchen Sie 4,5 Jahre Berufserfahrung. Sie haben 5 Jahre" in text
    assert "IHK zu Dortmund" in text
    assert "Kısmi yeterlilikler" in text
    assert "Teilqualifikationen" in text
    assert "Kochkurs" in text
    assert "Bildungsgutschein" in text  # the funding that fits an unemployed person
    assert "Türkiye" in text  # recognition of the foreign qualification is a path


def test_russian_in_cyrillic_and_missing_time(content: Content) -> None:
    slots = {"occupation": "koch", "years": 3, "workload": 1, "employment": "employed"}
    text = " ".join(_text(_pdf(content, "ru", slots)).split())
    assert "Мой компас компетенций" in text
    assert "не хватает 1,5 года" in text
    assert "es fehlen noch 1,5 Jahre" in text


def test_the_file_is_valid(content: Content) -> None:
    data = _pdf(content, "tr")
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data), strict=True)
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()  # type: ignore[index, union-attr]
    }
    assert all("DejaVu" in name for name in fonts)
    if shutil.which("qpdf") is None:
        if os.environ.get("CI"):
            pytest.fail("qpdf is missing (apt-get install qpdf)")
        pytest.skip("qpdf is missing")
    path = Path(os.environ.get("TMPDIR", "/tmp")) / "kompass-check.pdf"
    path.write_bytes(data)
    checked = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize("language", ["de", "tr", "ru"])
def test_the_embedded_font_has_every_letter_used(content: Content, language: str) -> None:
    text = _text(_pdf(content, language))
    for path in FONT_FILES.values():
        cmap = TTFont(str(path))["cmap"].getBestCmap()
        missing = sorted({ch for ch in text if not ch.isspace() and ord(ch) not in cmap})
        assert missing == [], f"{path.name} lacks {missing}"
    assert all(ch in text for ch in "şğıİ" if language == "tr")


def test_the_page_renders_to_png(content: Content, tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        if os.environ.get("CI"):
            pytest.fail("pdftoppm is missing (apt-get install poppler-utils)")
        pytest.skip("pdftoppm is missing")
    pdf = tmp_path / "kompass.pdf"
    pdf.write_bytes(_pdf(content, "tr"))
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / "kompass-tr"
    command = ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile"]
    done = subprocess.run([*command, str(pdf), str(target)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "font" not in done.stderr.lower()  # no missing or substituted fonts
    image = target.with_suffix(".png").read_bytes()
    assert image.startswith(b"\x89PNG")
    assert len(image) > 10_000  # a page with text, not a blank one
