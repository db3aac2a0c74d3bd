"""The PDF "Mein Kompetenz-Kom-Pass": the person's language with German alongside (the chamber
and the counsellor read German), DejaVu Sans embedded (Latin with Turkish letters, Cyrillic)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fpdf import FPDF

from bot.engine.facts import Phrase
from bot.engine.render import Renderer
from bot.i18n import Translator, msg
from bot.kompass.plan import Plan, PlanLine, retention_note

FONTS = Path(__file__).resolve().parent / "fonts"
FONT_FILES = {"": FONTS / "DejaVuSans.ttf", "B": FONTS / "DejaVuSans-Bold.ttf"}
FAMILY = "DejaVu"
_GREY = (90, 90, 90)

_SECTIONS = (
    ("paths", msg("kompass.section_paths")),
    ("documents", msg("kompass.section_documents")),
    ("funding", msg("kompass.section_funding")),
    ("courses", msg("kompass.section_courses")),
    ("next_steps", msg("kompass.section_next_steps")),
)


class _Document(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(*_GREY)
        self.cell(0, 6, f"{self.page_no()}", align="C")


def render_pdf(
    plan: Plan,
    *,
    renderer: Renderer,
    reader: Translator,
    german: Translator,
    name: str | None,
    created: dt.date,
    stored_days: int | None = None,
    notes: str | None = None,
) -> bytes:
    """The PDF as bytes; each text in the reader's language, then in German when that differs.

    ``notes``: a counsellor's notes for a new version, printed as they were written.
    """
    pdf = _Document(format="A4")
    pdf.set_title(german.text(msg("kompass.pdf_title")))
    pdf.set_creator("Lotse")
    for style, path in FONT_FILES.items():
        pdf.add_font(FAMILY, style, str(path))
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    both = reader.language != german.language

    def text(line: PlanLine, translator: Translator) -> str:
        return renderer.text(line.ref, translator, line.params).strip()

    def heading(message_id: str, size: int = 13) -> None:
        pdf.set_font(FAMILY, "B", size)
        pdf.set_text_color(0, 0, 0)
        title = reader.text(message_id)
        if both:
            title += f" / {german.text(message_id)}"
        pdf.multi_cell(0, size * 0.5, title, new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(1.5)

    def paragraph(line: PlanLine, bullet: bool = False) -> None:
        prefix = "• " if bullet else ""
        pdf.set_font(FAMILY, "", 10)
        pdf.set_text_color(0, 0, 0)
        pdf.multi_cell(0, 5, prefix + text(line, reader), new_x="LMARGIN", new_y="NEXT", align="L")
        if both:
            pdf.set_font(FAMILY, "", 9)
            pdf.set_text_color(*_GREY)
            pdf.multi_cell(
                0, 4.6, prefix + text(line, german), new_x="LMARGIN", new_y="NEXT", align="L"
            )
        pdf.ln(1.5)

    heading(msg("kompass.pdf_title"), 18)
    pdf.set_font(FAMILY, "", 10)
    pdf.set_text_color(*_GREY)
    made = f"{created:%d.%m.%Y}"
    pdf.multi_cell(
        0, 5, f"{name + ' · ' if name else ''}{made}", new_x="LMARGIN", new_y="NEXT", align="L"
    )
    pdf.ln(3)

    heading(msg("kompass.section_case"))
    for label, value in plan.case:
        pdf.set_font(FAMILY, "B", 10)
        pdf.set_text_color(0, 0, 0)
        shown = reader.text(label) + (f" / {german.text(label)}" if both else "")
        pdf.multi_cell(0, 5, shown, new_x="LMARGIN", new_y="NEXT", align="L")
        paragraph(value)
    if plan.competences:
        heading(msg("kompass.section_competences"))
        for line in plan.competences:
            paragraph(line, bullet=not line.ref.startswith("kompass.pdf_period"))
    if plan.target is not None:
        heading(msg("kompass.section_target"))
        paragraph(plan.target)
    if plan.body is not None:
        heading(msg("kompass.section_body"))
        paragraph(plan.body)
    for attribute, title in _SECTIONS:
        lines: tuple[PlanLine, ...] = getattr(plan, attribute)
        if not lines:
            continue
        heading(title)
        for number, line in enumerate(lines, start=1):
            if attribute == "next_steps":
                numbered = PlanLine(
                    msg("kompass.numbered"), {"n": number, "text": Phrase(line.ref, line.params)}
                )
                paragraph(numbered)
            else:
                paragraph(line, bullet=not line.ref.startswith("funding:"))
    if notes:
        heading(msg("kompass.section_notes"))
        pdf.set_font(FAMILY, "", 10)
        pdf.set_text_color(0, 0, 0)
        pdf.multi_cell(0, 5, notes.strip(), new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(1.5)
    pdf.ln(2)
    paragraph(PlanLine(msg("kompass.disclaimer")))
    if stored_days is not None:
        paragraph(retention_note(stored_days))
    return bytes(pdf.output())
