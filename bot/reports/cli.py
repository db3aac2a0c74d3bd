"""``lotse report --from YYYY-MM-DD --to YYYY-MM-DD [--region R] --format csv|json``.

The same tables as the dashboard's reports page, small cells suppressed the same way; the CSV
is the page's "all tables" download (without the byte-order mark).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``report`` subcommand to ``lotse``."""
    report = sub.add_parser("report", help="the funders' report (anonymous counts): CSV or JSON")
    report.add_argument("--from", dest="start", required=True, type=_date, metavar="YYYY-MM-DD")
    report.add_argument("--to", dest="end", required=True, type=_date, metavar="YYYY-MM-DD")
    report.add_argument("--region", help="one region (default: all)")
    report.add_argument("--format", choices=["csv", "json"], default="csv")
    report.set_defaults(handler=run)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def run(args: argparse.Namespace) -> int:
    from bot.config import Settings
    from bot.content.loader import load_knowledge
    from bot.reports.tables import PeriodError, build_report, report_csv, report_json
    from bot.store.db import create_engine, session_factory
    from bot.store.migrate import upgrade

    settings = Settings()
    knowledge = load_knowledge(settings.knowledge_dir)
    if args.region is not None and args.region not in knowledge.regions:
        print(f"unknown region '{args.region}': {', '.join(sorted(knowledge.regions))}",
              file=sys.stderr)  # fmt: skip
        return 2
    upgrade(settings.effective_database_url)

    async def build() -> str:
        engine = create_engine(settings.effective_database_url)
        try:
            async with session_factory(engine)() as session:
                report = await build_report(
                    session=session, knowledge=knowledge, start=args.start, end=args.end,
                    region=args.region,
                )  # fmt: skip
        finally:
            await engine.dispose()
        return report_json(report) if args.format == "json" else report_csv(report)

    try:
        text = asyncio.run(build())
    except PeriodError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    sys.stdout.write(text)
    return 0
