"""The personal Kompetenz-Kom-Pass: the education plan computed from the facts of a case
(``plan``) and the PDF "Mein Kompetenz-Kom-Pass" in the person's language beside German (``pdf``).
"""

from bot.kompass.pdf import FONT_FILES, render_pdf
from bot.kompass.plan import Plan, PlanLine, build_plan

__all__ = ["FONT_FILES", "Plan", "PlanLine", "build_plan", "render_pdf"]
