"""The demo's calendar moves with the day it is loaded (demo/povertyreview.py): last year's review is
approved in both demo communes and its list is in force, this year's review is at the stage of the
day (not open before September, then at survey, posting, awaiting approval), the dashboard's review
item says so, and the notifier sends nothing about the demo's past events while a fresh event still
tells the chair (see also tests/notifications/test_notices.py). Each case loads the whole demo."""

from datetime import date, datetime, time

import pytest

from demo.accounts import load_demo
from demo.povertyreview import this_year_opened_on
from households.models import HouseholdYearStatus
from notifications.models import Message
from notifications.notices import notices_dispatch
from povertyreview.models import Campaign, ReviewEvent
from reports import figures
from tests.conftest import BINH_MINH, TAN_DONG, VIETNAM, on_day

# Notices about workflow events (notifications/notices.py, read by the dispatcher), as against the demo's reminder history.
NOTICE_TEMPLATES = ["run_awaiting_approval", "review_awaiting_approval", "posting_dates", "complaint_received",
                    "amount_paid"]  # fmt: skip


def listed(code: str, year: int) -> tuple[int, int]:
    rows = HouseholdYearStatus.objects.filter(household__commune_id=code, year=year)
    return rows.filter(status="poor").count(), rows.filter(status="near_poor").count()


@pytest.mark.parametrize(
    ("day", "this_year"),
    [
        # (day loaded, status of this year's review in Tân Đông and Bình Minh; "" not open)
        (date(2026, 3, 15), ("", "")),
        (date(2026, 9, 30), ("surveying", "surveying")),
        (date(2026, 12, 31), ("awaiting_approval", "awaiting_approval")),
        (date(2027, 1, 1), ("", "")),
    ],
)
def test_the_demo_on_any_day(db, day, this_year, django_capture_on_commit_callbacks):
    with on_day(datetime.combine(day, time(10), tzinfo=VIETNAM)):
        with django_capture_on_commit_callbacks(execute=True):
            load_demo()
            notices_dispatch()  # the every-minute dispatcher reads the demo's events (the notices' outbox)
        last = day.year - 1

        # Last year's review is approved in both communes, and its list (of this year) is in force.
        approved = dict(Campaign.objects.filter(year=last, kind="periodic").values_list("commune_id", "status"))
        assert approved == {TAN_DONG: "approved", BINH_MINH: "approved"}
        assert listed(TAN_DONG, day.year) == (13, 30)  # 43 households, 0.91 % of 4,700 (the field story)
        assert listed(BINH_MINH, day.year) == (1, 5)
        assert not HouseholdYearStatus.objects.filter(year=day.year + 1).exists()

        # This year's review, at the stage of the day.
        found = dict(Campaign.objects.filter(year=day.year, kind="periodic").values_list("commune_id", "status"))
        assert (found.get(TAN_DONG, ""), found.get(BINH_MINH, "")) == this_year
        events = ReviewEvent.objects.filter(campaign__year=day.year).values_list("occurred_at", flat=True)
        opened = this_year_opened_on(day)
        assert all(opened <= moment.date() <= day for moment in events)

        # The dashboard's "Poverty review of <year>" item and its lateness agree with the rule.
        board = figures.dashboard([TAN_DONG, BINH_MINH], year=day.year, month=day.month, today=day, trends=False)
        rows = {row.code: row for row in board.communes}
        assert [(rows[code].status_year, rows[code].review_status) for code in (TAN_DONG, BINH_MINH)] == [
            (day.year, this_year[0]),
            (day.year, this_year[1]),
        ]
        late = day > date(day.year, 12, 14)  # awaiting the chair's approval after 14 December
        assert [rows[code].late_review for code in (TAN_DONG, BINH_MINH)] == [late, late]

        # No notice about the demo's past events (runs of past months, last year's complaint, this
        # year's steps): only this month's run, computed today by the demo (a fresh event), tells the chairs.
        notices = Message.objects.filter(template__code__in=NOTICE_TEMPLATES)
        assert sorted(notices.values_list("template__code", "recipient")) == [
            ("run_awaiting_approval", "binhminh.chair@demo.casework.vn"),
            ("run_awaiting_approval", "tandong.chair@demo.casework.vn"),
        ]
