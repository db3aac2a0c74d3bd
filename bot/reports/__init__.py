"""Reports for the programme's funders: anonymous counts recorded when things happen.

``record`` counts events (conversations, answers, results, handovers, appointments …) per day,
kind and coarse dimensions in ``report_counts``; ``tables`` builds the report with small cells
suppressed (``suppress``); the dashboard page (``bot.dashboard.reports``) and ``lotse report``
(``cli``) show and export it.
"""
