"""What is counted for the funders' reports, and the German names staff read.

Every count is an event, not a person: a person who gets two results counts twice. The
``detail`` of a count is one of the values below (or an answer, topic or link source id),
never anything a person typed.
"""

from __future__ import annotations

import datetime as dt

CONVERSATION = "conversation"  # a conversation started (detail: the deep link's source)
ANSWER = "answer"  # an answer entry shown (detail: its id)
TOPIC = "topic"  # an answer, topic text or tree result, by topic (detail: the topic id)
RESULT = "result"  # a decision tree's result (detail: RESULTS)
CONSENT = "consent"  # consent given (detail: handover or kompass)
HANDOVER = "handover"  # a lead created for the counsellors (detail: the case's tree)
BOOKING = "booking"  # an appointment booked (detail: person or counsellor)
KEPT = "kept"  # a case marked done (detail: appointment, or without one: a call-back)
NO_SHOW = "no_show"  # an appointment marked as missed
FIRST_CONTACT = "first_contact"  # a counsellor first acted on a lead (detail: BUCKETS)
KOMPASS = "kompass"  # a Kompetenz-Kom-Pass PDF issued

KIND_NAMES = {
    CONVERSATION: "Gespräche begonnen",
    ANSWER: "Antworten auf Fragen",
    TOPIC: "Antworten nach Thema",
    RESULT: "Ergebnisse der Prüfbäume",
    CONSENT: "Einwilligungen",
    HANDOVER: "Übergaben an die Beratung",
    BOOKING: "Termine gebucht",
    KEPT: "Beratungen erledigt",
    NO_SHOW: "Nicht erschienen",
    FIRST_CONTACT: "Erster Kontakt durch die Beratung",
    KOMPASS: "Kompetenz-Kom-Pässe ausgestellt",
}

# The line that only a result node shows -> the result it stands for (a test checks that each
# line belongs to exactly one result node of dialogs/, so a dialog change cannot go unnoticed).
RESULT_LINES = {
    "exam.result_eligible": "admission_possible",
    "exam.result_missing": "time_missing",
    "exam.no_chamber_exam": "no_chamber_exam",
    "rec.regulated": "regulated",
    "rec.not_regulated": "not_regulated",
    "rec.german_qualification": "german_qualification",
    "fund.intro": "funding",
}
RESULT_NAMES = {
    "admission_possible": "Zulassung zur Externenprüfung möglich",
    "time_missing": "Berufserfahrung reicht noch nicht",
    "no_chamber_exam": "Keine Kammerprüfung für den Beruf",
    "regulated": "Anerkennung: reglementierter Beruf",
    "not_regulated": "Anerkennung: nicht reglementierter Beruf",
    "german_qualification": "Abschluss aus Deutschland (keine Anerkennung nötig)",
    "funding": "Förderung: passende Programme",
}
RESULT_TOPICS = {
    "admission_possible": "external_exam",
    "time_missing": "external_exam",
    "no_chamber_exam": "external_exam",
    "regulated": "recognition",
    "not_regulated": "recognition",
    "german_qualification": "recognition",
    "funding": "funding",
}
ABOUT_LOTSE = "lotse"  # answers about Lotse itself, privacy and the counselling

CONSENT_NAMES = {"handover": "Übergabe an die Beratung", "kompass": "Kompetenz-Kom-Pass"}
BOOKING_NAMES = {"person": "von der Person im Chat", "counsellor": "von der Beratung"}
KEPT_NAMES = {"appointment": "mit Termin", "without_appointment": "ohne Termin (z. B. Rückruf)"}

SAME_DAY, DAYS_1_2, DAYS_3_7, LATER = "same_day", "1_2_days", "3_7_days", "later"
BUCKETS = (SAME_DAY, DAYS_1_2, DAYS_3_7, LATER)
BUCKET_NAMES = {
    SAME_DAY: "am selben Tag",
    DAYS_1_2: "nach 1–2 Tagen",
    DAYS_3_7: "nach 3–7 Tagen",
    LATER: "später",
}


def bucket(handed_over: dt.date, contacted: dt.date) -> str:
    """Calendar days (Berlin) from the handover to the first contact, in four buckets."""
    days = (contacted - handed_over).days
    if days <= 0:
        return SAME_DAY
    if days <= 2:
        return DAYS_1_2
    if days <= 7:
        return DAYS_3_7
    return LATER
