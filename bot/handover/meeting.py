"""How a meeting happens: the counsellor calls, the person comes to an office, or a video call.

The counsellor sets the mode on the slot (or the weekly rule it is cut from). The office address
comes from the region's counselling office in ``knowledge/`` when that has a sourced address,
else from the counsellor's own entry; a video link is the counsellor's https link. Nothing is
invented: a mode without its place cannot be saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.content import Knowledge
from bot.content.models import BodyKind

PHONE, OFFICE, VIDEO = "phone", "office", "video"
MODES = (PHONE, OFFICE, VIDEO)
MAX_ADDRESS = 300
MAX_LINK = 500
# The appointment as the engine sees it (``bot.engine.facts``): set from the booking, never typed.
APPOINTMENT_SLOTS = ("appointment", "appointment_mode", "appointment_place", "appointment_with")


class MeetingError(ValueError):
    """A mode without what it needs: ``code`` is ``address``, ``link`` or ``mode``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Meeting:
    """What the person needs to know to meet: how, where (address or link) and with whom."""

    mode: str
    place: str | None  # the office address or the video link; None for a phone call
    with_name: str  # the counsellor's first name only

    def as_params(self) -> dict[str, str]:
        params = {"mode": self.mode, "with": self.with_name}
        return params | ({"place": self.place} if self.place else {})

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> Meeting | None:
        mode = params.get("mode")
        if mode not in MODES:
            return None
        place = params.get("place")
        return cls(str(mode), str(place) if place else None, str(params.get("with") or ""))


def first_name(name: str) -> str:
    """What the person is told of the counsellor: the first name, nothing more."""
    parts = name.split()
    return parts[0] if parts else ""


def meeting_of(*, mode: str, address: str | None, video_url: str | None, name: str) -> Meeting:
    """The meeting of a slot, from its stored mode and place and the counsellor's name."""
    place = address if mode == OFFICE else video_url if mode == VIDEO else None
    return Meeting(mode if mode in MODES else PHONE, place or None, first_name(name))


def office_address(knowledge: Knowledge, region: str | None) -> str | None:
    """The region's counselling office address, only when the knowledge base has it sourced."""
    known = knowledge.regions.get(region or "")
    body_id = known.bodies.get(BodyKind.COUNSELLING) if known is not None else None
    body = knowledge.bodies.get(body_id or "")
    if body is None or not body.address or not body.sources:
        return None
    return body.address


def checked(
    *, mode: str, address: str, video_url: str, office: str | None
) -> tuple[str, str | None, str | None]:
    """Mode, address and link as they are stored, or ``MeetingError`` saying what is missing.

    ``office`` is the region's sourced office address: when known, it is the address.
    """
    address, video_url = " ".join(address.split()), video_url.strip()
    if mode == PHONE:
        return PHONE, None, None
    if mode == OFFICE:
        place = office or address
        if not place or len(place) > MAX_ADDRESS:
            raise MeetingError("address")
        return OFFICE, place, None
    if mode == VIDEO:
        if not is_https_link(video_url):
            raise MeetingError("link")
        return VIDEO, None, video_url
    raise MeetingError("mode")


def is_https_link(value: str) -> bool:
    """An absolute https link with a host, no spaces or quotes (it is shown and put in .ics)."""
    if not value or len(value) > MAX_LINK or any(c.isspace() or c in "\"'<>" for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.hostname)


def appointment_slots(starts_at: str | None, meeting: Meeting | None) -> dict[str, str | None]:
    """The engine's appointment slots (``None``: no appointment, the slot is dropped)."""
    if starts_at is None or meeting is None:
        return dict.fromkeys(APPOINTMENT_SLOTS)
    return {
        "appointment": starts_at,
        "appointment_mode": meeting.mode,
        "appointment_place": meeting.place,
        "appointment_with": meeting.with_name,
    }
