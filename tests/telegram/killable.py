"""Lotse servers to kill: ``python -m tests.telegram.killable`` loads the content once, then forks
one server process per line read from stdin (JSON settings) and prints its pid.

The kill -9 test needs several restarts; loading the content takes seconds, a fork milliseconds.
Each child is a complete server (its own event loop, database engine, PTB application) on
uvicorn, exactly what ``lotse run`` serves, with the channel's pacing raised above the load.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from typing import Any


def _serve(content: Any, order: dict[str, Any]) -> None:
    import uvicorn

    from bot.channels.telegram import Limits, Tuning
    from bot.config import Settings
    from bot.logs import configure_logging
    from bot.service import Lotse
    from bot.store.db import create_engine
    from bot.web.app import create_app

    log_file = os.open(order["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log_file, 1)
    os.dup2(log_file, 2)
    configure_logging(logging.INFO)
    settings = Settings(**order["settings"])
    lotse = Lotse(settings, content, create_engine(order["settings"]["LOTSE_DATABASE_URL"]))
    app = create_app(settings, lotse)
    app.state.telegram_tuning = Tuning(
        limits=Limits(overall_per_second=10_000, chat_per_second=1_000, chat_burst=100),
        typing_after=30.0,
        read_timeout=5.0,
        connect_timeout=1.0,
        boot_backoff=0.2,
    )
    config = uvicorn.Config(
        app, host="127.0.0.1", port=order["port"], log_config=None, access_log=False, ws="none"
    )
    uvicorn.Server(config).run()


def main() -> None:
    import uvicorn  # noqa: F401  (imported once here, not in every child)

    import bot.web.app  # noqa: F401
    from bot.config import PROJECT_ROOT
    from bot.service import Content

    content = Content.load(PROJECT_ROOT)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # killed children are reaped at once
    print("ready", flush=True)
    for line in sys.stdin:
        order = json.loads(line)
        pid = os.fork()
        if pid == 0:
            sys.stdin.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            try:
                _serve(content, order)
            finally:
                os._exit(0)
        print(pid, flush=True)


if __name__ == "__main__":
    main()
