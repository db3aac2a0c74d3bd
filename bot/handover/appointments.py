"""The person's appointment between the database and the conversation.

The booking in the database is the truth: a counsellor may set, move or cancel it in the
dashboard at any time. Before each event the service copies it into the conversation's slots,
so "Mein Termin", "Meine Daten" and every condition on it see what is really booked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.events import ConversationState, Line, Reply, ReplyOption
from bot.engine.facts import MODE_LABELS, Ref, meeting_phrase
from bot.engine.render import RenderedOption, Renderer
from bot.handover import booking
from bot.handover.meeting import Meeting, appointment_slots
from bot.handover.notify import BUTTONS
from bot.i18n import Translator, When, msg
from bot.store.models import Notification

SLOT_OPTION = msg("handover.slot_option")
NO_SLOTS = msg("handover.no_slots")


async def sync(*, session: AsyncSession, conversation_id: int, state: ConversationState) -> None:
    """Put the booked appointment (or its absence) into the state's slots.

    Leads exist only after consent: without it there is nothing to look up.
    """
    if "consent" not in state.slots and "appointment" not in state.slots:
        return
    found = await booking.appointment_of(session=session, conversation_id=conversation_id)
    slots = appointment_slots(
        found.starts_at.isoformat() if found else None, found.meeting if found else None
    )
    for name, value in slots.items():
        if value is None:
            state.slots.pop(name, None)
        else:
            state.slots[name] = value


def offer(slots: Sequence[booking.FreeSlot], state: ConversationState, reply: Reply) -> None:
    """Free slots as options that say when and how ("Di., 10:30 · am Telefon")."""
    state.slot_offers = {
        str(s.slot_id): {"starts": s.starts_at.isoformat(), **s.meeting.as_params()} for s in slots
    }
    offered = [
        ReplyOption(
            f"slot:{s.slot_id}",
            SLOT_OPTION,
            {"when": When(s.starts_at), "mode": Ref(MODE_LABELS[s.meeting.mode])},
        )
        for s in slots
    ]
    reply.options[:0] = offered
    state.offered[:0] = [o.id for o in offered]
    if not slots and reply.lines:
        reply.lines[-1] = Line(NO_SLOTS)  # instead of "choose one of these"


def notification_params(params: Mapping[str, object]) -> dict[str, object]:
    """A stored notification's parameters as the renderer needs them (times, the meeting)."""
    values: dict[str, object] = {
        key: When(_aware(str(value))) if key in ("appointment", "previous") else value
        for key, value in params.items()
    }
    meeting = Meeting.from_params(dict(params))
    if meeting is not None:
        # Without the person's number: notifications carry no personal data.
        values["meeting"] = meeting_phrase(meeting.mode, meeting.place, meeting.with_name, None)
    else:
        values.setdefault("meeting", "")
    return values


def notification_buttons(
    notification: Notification, renderer: Renderer, translator: Translator
) -> tuple[RenderedOption, ...]:
    """The buttons of a notification (a reminder: move, cancel), in the reader's language."""
    return renderer.options(
        [ReplyOption(option_id, label) for option_id, label in BUTTONS.get(notification.kind, ())],
        translator,
    )


def _aware(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
