"""The payment runs' SQL fragments (``disbursements/sql.py``) on the dashboards' world
(``tests/reports/test_figures.py``): November 2026, Tân Đông's run computed (3 people by bank, 1 in
cash), October's reconciled and July's cancelled; Bình Minh's run approved (1 by bank, 1 in cash)."""

from datetime import date

import pytest
from django.db import connection

from disbursements import sql
from disbursements.models import Run
from tests.conftest import BINH_MINH, TAN_DONG
from tests.reports.test_figures import build_world

NOVEMBER = date(2026, 11, 1)


def _rows(query: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


@pytest.fixture
def world(units, users):
    return build_world(units, users)


def test_the_runs_of_a_month_with_their_totals_by_payment_method(world):
    found = _rows(f"SELECT * FROM ({sql.runs_of_month()}) r ORDER BY commune_id",
                  {"codes": [TAN_DONG, BINH_MINH], "month": NOVEMBER})  # fmt: skip
    runs = {run.commune_id: run.pk for run in Run.objects.filter(month=NOVEMBER)}
    assert found == [
        (BINH_MINH, runs[BINH_MINH], "approved", 2, 1_250_000, 500_000, 750_000, 1),
        (TAN_DONG, runs[TAN_DONG], "computed", 4, 2_500_000, 2_000_000, 500_000, 3),
    ]
    # A cancelled run is no run.
    assert _rows(f"SELECT * FROM ({sql.runs_of_month()}) r", {"codes": [TAN_DONG], "month": date(2026, 7, 1)}) == []


def test_the_payments_by_month_and_the_runs_stamp(world):
    params = {"codes": [TAN_DONG, BINH_MINH], "first": date(2025, 12, 1), "month": NOVEMBER}
    assert _rows(f"SELECT * FROM ({sql.payments_by_month()}) p ORDER BY month", params) == [
        (date(2026, 10, 1), 1_500_000, 500_000),
        (NOVEMBER, 2_500_000, 1_250_000),
    ]
    (stamp,) = _rows(f"SELECT {sql.runs_stamp()}", params)[0]
    assert stamp.startswith("4/")  # the cancelled run counts: its status changed
    Run.objects.filter(commune_id=TAN_DONG, month=NOVEMBER).first().save()  # a change moves the stamp
    assert _rows(f"SELECT {sql.runs_stamp()}", params)[0][0] != stamp
