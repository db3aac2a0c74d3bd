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
from bot.engine.render import RenderedMessage, RenderedOption, Renderer
from bot.handover import booking, ics
from bot.handover.meeting import Meeting, appointment_slots
from bot.handover.notify import BUTTONS
from bot.i18n import Translator, When, msg
from bot.store.models import Notification

SLOT_OPTION = msg("handover.slot_option")
NO_SLOTS = msg("handover.no_slots")
# Someone who chose "here in the chat" is written to in the chat: no callback to promise first.
NO_SLOTS_IN_CHAT = msg("handover.no_slots_chat")


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
        in_chat = state.slots.get("contact_via") == "chat"
        reply.lines[-1] = Line(NO_SLOTS_IN_CHAT if in_chat else NO_SLOTS)  # not "choose one"


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


def with_notifications(
    notes: Sequence[RenderedMessage], messages: Sequence[RenderedMessage]
) -> list[RenderedMessage]:
    """Due notifications first; their buttons join the current question's, which a chat shows
    with the last message (a reminder's "move" works at any question)."""
    buttons = tuple(o for note in notes for o in note.options)
    notes = [RenderedMessage(n.text, (), n.links) for n in notes] if buttons else list(notes)
    result = [*notes, *messages]
    if buttons and result:
        last = result[-1]
        kept = tuple(o for o in last.options if o.id not in {b.id for b in buttons})
        result[-1] = RenderedMessage(last.text, buttons + kept, last.links)
    return result


CALENDAR_URL = "/api/appointment.ics"
# Lines that show the appointment: the web chat links the person's own calendar file there.
_CALENDAR_LINES = frozenset(
    {
        msg("handover.booked"),
        msg("handover.booked_short_reminder"),
        msg("handover.booked_soon"),
        msg("handover.your_appointment"),
    }
)
CALENDAR_TITLE = msg("handover.ics_download")
ICS_SUMMARY = msg("handover.ics_summary")
ICS_PHONE = msg("handover.ics_phone")


def link_calendar(reply: Reply, translator: Translator) -> None:
    """Link the calendar file under the lines that show the appointment (web chat only: the
    link is relative and answers the session cookie's own conversation)."""
    title = translator.text(CALENDAR_TITLE)
    for at, line in enumerate(reply.lines):
        if line.ref in _CALENDAR_LINES:
            reply.lines[at] = Line(line.ref, line.params, (*line.links, (title, CALENDAR_URL)))


def person_ics(
    appointment: booking.Appointment, renderer: Renderer, translator: Translator
) -> bytes:
    """The person's own calendar entry, in their language; nothing personal in it."""
    meeting = appointment.meeting
    phrase = meeting_phrase(meeting.mode, meeting.place, meeting.with_name, None)
    return ics.appointment_ics(
        uid=f"lotse-appointment-{appointment.slot_id}@lotse",
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        meeting=meeting,
        summary=translator.text(ICS_SUMMARY),
        description=renderer.text(phrase.ref, translator, phrase.params),
        phone_label=translator.text(ICS_PHONE),
    )
