"""No personal data or secrets in log lines, whatever a log call passes."""

from __future__ import annotations

import io
import logging

from bot.logs import RedactingFilter, redact


def test_redact_masks_tokens_addresses_and_numbers() -> None:
    line = (
        "send to 123456789:AAH4x-abcdefghijklmnopqrstuvwxyz012 for ayse@example.org +49 151 2345678"
    )
    cleaned = redact(line)
    assert "AAH4x" not in cleaned
    assert "ayse@example.org" not in cleaned
    assert "2345678" not in cleaned
    assert redact("lead 42 status scheduled") == "lead 42 status scheduled"


def test_filter_applies_to_arguments_too() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("lotse-test-redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("contact %s via %s", "canary@example.org", "+90 532 123 45 67")
    finally:
        logger.removeHandler(handler)
    assert "canary@example.org" not in stream.getvalue()
    assert "532 123" not in stream.getvalue()
    assert "<e-mail>" in stream.getvalue()
