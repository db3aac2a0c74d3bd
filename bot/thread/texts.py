"""Message ids the person reads (catalogs in locales/)."""

from __future__ import annotations

from bot.i18n import msg

# The bot steps aside: "{name} from the counselling team writes to you now".
OPENED = msg("thread.opened")
# A counsellor's message as the person reads it: "{name} (counselling team): {text}".
MESSAGE = msg("thread.message")
# The bot is back (the counsellor ended the conversation, or it was idle).
CLOSED = msg("thread.closed")
