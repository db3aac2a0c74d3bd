"""The personal Kompetenz-Kom-Pass: the education plan computed from the facts of a case
(``plan``) and the PDF "Mein Kompetenz-Kom-Pass" in the person's language beside German (``pdf``).
"""

# ``bot.kompass.pdf`` is imported where a PDF is made: fpdf2 with fontTools and Pillow adds
# about 34 MB to every worker process that never makes one.
from bot.kompass.plan import Plan, PlanLine, build_plan

__all__ = ["Plan", "PlanLine", "build_plan"]
