"""The ``lotse`` command line: run, chat, ask, check, diagram, counsellor, purge, db."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from bot.config import Settings
from bot.logs import configure_logging
from bot.reports.cli import register as register_report

log = logging.getLogger("bot")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    configure_logging(logging.INFO)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    result: int = args.handler(args)
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lotse", description=__doc__)
    sub = parser.add_subparsers()

    run = sub.add_parser("run", help="apply migrations and serve web chat, API and dashboard")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes (several need PostgreSQL; more hosts may run their own)",
    )
    run.set_defaults(handler=_run)

    chat = sub.add_parser("chat", help="talk to Lotse in the terminal")
    chat.add_argument("--lang", choices=["de", "tr", "ru"])
    chat.set_defaults(handler=_chat)

    ask = sub.add_parser("ask", help="answer single messages without a conversation")
    ask.add_argument("--lang", default="auto", choices=["auto", "de", "tr", "ru"])
    ask.add_argument("--json", action="store_true", help="one JSON object per answer")
    ask.add_argument("text", help="the message, or '-' to read one message per line from stdin")
    ask.set_defaults(handler=_ask)

    check = sub.add_parser("check", help="lint dialogs, knowledge and catalogs")
    check.set_defaults(handler=_check)

    diagram = sub.add_parser("diagram", help="print a Mermaid flowchart of the dialogs")
    diagram.add_argument("dialog", nargs="?", help="one dialog id (default: all)")
    diagram.set_defaults(handler=_diagram)

    counsellor = sub.add_parser("counsellor", help="manage counsellor accounts")
    counsellor_sub = counsellor.add_subparsers()
    add = counsellor_sub.add_parser("add", help="add a counsellor (password from stdin)")
    add.add_argument("--email", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--languages", required=True, help="comma-separated: de,tr,ru")
    add.add_argument("--region", required=True)
    add.add_argument("--admin", action="store_true")
    add.set_defaults(handler=_counsellor_add)

    purge = sub.add_parser("purge", help="apply the retention policy now")
    purge.set_defaults(handler=_purge)

    qr = sub.add_parser("qr", help="a QR code (PNG or SVG) for a Telegram or web chat link")
    qr.add_argument("payload", help="e.g. tr-dortmund-flyer (language-region-source), or a URL")
    qr.add_argument("-o", "--output", required=True, help="file.png or file.svg")
    target = qr.add_mutually_exclusive_group()
    target.add_argument("--bot", help="Telegram bot username (default: asked from Telegram)")
    target.add_argument("--web", metavar="URL", help="web chat address instead of Telegram")
    qr.set_defaults(handler=_qr)

    register_report(sub)  # lotse report: the funders' report (bot/reports/cli.py)

    atlas = sub.add_parser("atlas", help="the public atlas of the ways to a qualification")
    atlas_build = atlas.add_subparsers().add_parser("build", help="write it as static files")
    atlas_build.add_argument("dir", help="target folder (served as <public URL>/atlas/)")
    atlas_build.add_argument("--public-url", help="e.g. https://lotse.example.org")
    atlas_build.set_defaults(handler=_atlas_build)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers()
    upgrade = db_sub.add_parser("upgrade", help="apply migrations")
    upgrade.set_defaults(handler=_db_upgrade)
    return parser


def _run(args: argparse.Namespace) -> int:
    import uvicorn

    from bot.store.db import is_sqlite
    from bot.store.migrate import upgrade
    from bot.web.app import create_app

    settings = Settings()
    if args.workers < 1:
        print("error: --workers needs at least 1", file=sys.stderr)
        return 2
    if args.workers > 1 and is_sqlite(settings.effective_database_url):
        print(
            "error: SQLite serves one process; several workers need PostgreSQL "
            "(set LOTSE_DATABASE_URL=postgresql+asyncpg://…)",
            file=sys.stderr,
        )
        return 2
    upgrade(settings.effective_database_url, verbose=True)
    if args.workers == 1:
        uvicorn.Server(server_config(create_app(settings), args.host, args.port)).run()
        return 0
    from uvicorn.supervisors.multiprocess import Multiprocess

    from bot.bundle import Content
    from bot.metrics import prepare_multiprocess

    # The workers are fresh processes: each reads the settings from the environment and builds
    # its own app (``serve``); they share the listening socket, the database and the metrics.
    prepare_multiprocess(settings.var_dir)
    # Trained once here, so the workers start from the content cache instead of all training.
    Content.load(settings.content_root, cache_dir=settings.cache_dir)
    config = server_config("bot.web.app:serve", args.host, args.port, workers=args.workers)
    sock = config.bind_socket()
    Multiprocess(config, sockets=[sock]).run()
    return 0


def server_config(app: Any, host: str, port: int, *, workers: int = 1) -> Any:
    """How ``lotse run`` serves the app (a ``uvicorn.Config``).

    Our logging (with redaction) instead of uvicorn's; no access log: it records IP addresses.
    No proxy headers: the app believes X-Forwarded-For only from LOTSE_TRUSTED_PROXIES.
    """
    import uvicorn

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
        factory=isinstance(app, str),
        workers=workers,
    )


def _read_password() -> str:
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("Password: ")
    return sys.stdin.readline().rstrip("\n")


def _counsellor_add(args: argparse.Namespace) -> int:
    from bot.handover.counsellors import CounsellorError, add_counsellor
    from bot.store.db import create_engine, session_factory
    from bot.store.migrate import upgrade

    settings = Settings()
    upgrade(settings.effective_database_url)
    password = _read_password()

    async def add() -> None:
        engine = create_engine(settings.effective_database_url)
        try:
            async with session_factory(engine)() as session, session.begin():
                await add_counsellor(
                    session=session,
                    email=args.email,
                    name=args.name,
                    languages=[x.strip() for x in args.languages.split(",") if x.strip()],
                    region=args.region,
                    password=password,
                    role="admin" if args.admin else "counsellor",
                )
        finally:
            await engine.dispose()

    try:
        asyncio.run(add())
    except CounsellorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"counsellor {args.email} added", file=sys.stderr)
    return 0


def _purge(_args: argparse.Namespace) -> int:
    from bot.handover.retention import purge
    from bot.store.db import create_engine, scrub, session_factory
    from bot.store.migrate import upgrade

    settings = Settings()
    upgrade(settings.effective_database_url)

    async def run() -> None:
        engine = create_engine(settings.effective_database_url)
        try:
            async with session_factory(engine)() as session, session.begin():
                report = await purge(session=session, retention_days=settings.retention_days)
            await scrub(engine)
        finally:
            await engine.dispose()
        print(f"purged {report.leads} lead(s), {report.conversations} conversation(s)")

    asyncio.run(run())
    return 0


def _db_upgrade(_args: argparse.Namespace) -> int:
    from bot.store.migrate import upgrade

    upgrade(Settings().effective_database_url, verbose=True)
    return 0


def _chat(args: argparse.Namespace) -> int:
    from bot.channels.console import run_console
    from bot.service import Lotse
    from bot.store.migrate import upgrade

    settings = Settings()
    upgrade(settings.effective_database_url)
    logging.getLogger().setLevel(logging.WARNING)

    async def session() -> None:
        lotse = Lotse.create(settings)
        try:
            await run_console(lotse, language=args.lang)
        finally:
            await lotse.close()

    asyncio.run(session())
    return 0


def _diagram(args: argparse.Namespace) -> int:
    from bot.engine import load_dialogs
    from bot.engine.diagram import mermaid

    dialogs = load_dialogs(Settings().dialogs_dir)
    if args.dialog and args.dialog not in dialogs.dialogs:
        print(
            f"unknown dialog '{args.dialog}': {', '.join(sorted(dialogs.dialogs))}", file=sys.stderr
        )
        return 2
    print(mermaid(dialogs, args.dialog), end="")
    return 0


def _check(_args: argparse.Namespace) -> int:
    from bot.check import run_checks

    problems = run_checks(Settings().content_root)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("content OK", file=sys.stderr)
    return 0


def _ask(args: argparse.Namespace) -> int:
    from bot.ask import Asker

    logging.getLogger().setLevel(logging.WARNING)
    asker = Asker.create(Settings())
    language = None if args.lang == "auto" else args.lang
    lines: Iterable[str] = sys.stdin if args.text == "-" else [args.text]
    for line in lines:
        text = line.rstrip("\n")
        if args.text == "-" and not text.strip():
            continue
        answer: dict[str, Any] = asker.ask(text, language=language)
        if args.json:
            print(json.dumps(answer, ensure_ascii=False), flush=True)
        else:
            print(answer["reply"].replace("\n", " "), flush=True)
    return 0


def _qr(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.channels.telegram import bot_username, deep_link, web_link
    from bot.channels.telegram.qr import write_qr

    payload: str = args.payload
    try:
        if payload.startswith(("https://", "http://")):
            link = payload
        elif args.web:
            link = web_link(args.web, payload)
        else:
            username = args.bot or asyncio.run(bot_username(Settings()))
            if not username:
                print(
                    "give --bot USERNAME or --web URL (or set TELEGRAM_BOT_TOKEN)", file=sys.stderr
                )
                return 2
            link = deep_link(username, payload)
        path = write_qr(link, Path(args.output))
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    print(f"{path}: {link}")
    return 0


def _atlas_build(args: argparse.Namespace) -> int:
    from bot.atlas.export import build_command

    return build_command(args.dir, public_url=args.public_url)
