"""``CASEWORK_TODAY=2028-02-29 make test`` runs the whole suite as if that were today: how we look for
tests that depend on the calendar. The clock ticks from 10:00 (Asia/Ho_Chi_Minh) that day, or from
the time given (``2028-02-29T23:59``). The test process travels in ``tests/conftest.py``; a Celery
worker the tests start travels too (``python -m tests.clock celery …``), so that both sides of the
broker agree on the day."""

import os
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def travel_to_casework_today() -> bool:
    """Start travelling to ``CASEWORK_TODAY`` if it is set; whether it was."""
    today = os.environ.get("CASEWORK_TODAY")
    if not today:
        return False
    moment = datetime.fromisoformat(today)
    if "T" not in today and " " not in today:
        moment = moment.replace(hour=10)
    time_machine.travel(moment.replace(tzinfo=VIETNAM), tick=True).start()
    return True


if __name__ == "__main__":  # python -m tests.clock celery -A casework worker …
    travel_to_casework_today()
    from celery.__main__ import main

    sys.argv = sys.argv[1:]
    sys.exit(main())
