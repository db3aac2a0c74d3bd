"""Short gender-inclusive forms of German occupation names for display.

The official names list both forms ("Kraftfahrzeugmechatroniker/Kraftfahrzeugmechatronikerin"),
which makes buttons two lines long on a phone. The usual short forms say the same:
"Kraftfahrzeugmechatroniker/-in", "Medizinische/r Fachangestellte/r", "Kaufmann/-frau für …".
"""

from __future__ import annotations


def short_gender_form(name: str) -> str:
    """The short form of "masculine/feminine", or the name as it is when there is none."""
    first, sep, second = name.partition("/")
    if not sep or "/" in second:
        return name
    words, others = first.split(" "), second.split(" ")
    if len(words) != len(others):
        return name
    short = [_pair(a, b) for a, b in zip(words, others, strict=True)]
    if any(s is None for s in short):
        return name
    return " ".join(s for s in short if s is not None)


def _pair(masculine: str, feminine: str) -> str | None:
    if masculine == feminine:
        return masculine
    if feminine.startswith(masculine):
        return f"{masculine}/-{feminine[len(masculine) :]}"  # Mechatroniker/-in
    if masculine.startswith(feminine):
        return f"{feminine}/{masculine[len(feminine) :]}"  # Medizinische/r
    if masculine.endswith("mann") and feminine == masculine[: -len("mann")] + "frau":
        return f"{masculine}/-frau"  # Kaufmann/-frau
    return None  # Koch/Köchin, Logopäde/Logopädin: both forms stay
