"""``python -m bot`` is the ``lotse`` command."""

import sys

from bot.cli import main

sys.exit(main())
