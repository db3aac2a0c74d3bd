"""``make bench-load``: Lotse under load, as Telegram and web chat users meet it (issue 14).

``python -m bot.benchload`` starts a fake Bot API on 127.0.0.1, runs ``lotse run`` as a
subprocess against it, drives Telegram conversations through the webhook and web chat
conversations through ``/api/chat`` at a ladder of concurrency levels, and writes the figures to
``var/bench/load-<UTC time>.json`` and ``var/bench/load-latest.json``. See ``--help``.
"""
