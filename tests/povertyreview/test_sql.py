"""The review's SQL fragments (``povertyreview/sql.py``) on the dashboards' world
(``tests/reports/test_figures.py``): Tân Đông's approved review of 2024 with a target of 2, its
review of 2026 under way with two open complaints (one past its deadline of 10 November) and a
resolved one; Hồ Chí Minh City's approved review of 2026."""

from datetime import date

import pytest
from django.db import connection

from povertyreview import sql
from tests.conftest import BINH_MINH, OTHER_PROVINCE_COMMUNE, TAN_DONG
from tests.reports.test_figures import build_world


def _rows(query: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


@pytest.fixture
def world(units, users):
    return build_world(units, users)


def test_the_reviews_and_targets_by_commune_and_year(world):
    review_2024, review_2026 = world.campaigns["2024"], world.campaigns["2026"]
    query = f"SELECT * FROM ({sql.reviews_and_targets()}) r ORDER BY commune_id, year"
    assert _rows(query, {"codes": [TAN_DONG, BINH_MINH], "year": 2026}) == [
        (TAN_DONG, 2024, review_2024.pk, "approved", 2),
        (TAN_DONG, 2026, review_2026.pk, "surveying", None),
    ]
    assert _rows(query, {"codes": [TAN_DONG], "year": 2025}) == [(TAN_DONG, 2024, review_2024.pk, "approved", 2)]


def test_the_open_complaints_and_the_reviews_stamp(world):
    review = world.campaigns["2026"].pk
    query = f"SELECT * FROM ({sql.open_complaints_by_commune()}) k ORDER BY overdue"
    assert _rows(query, {"codes": [TAN_DONG, BINH_MINH], "today": date(2026, 11, 20)}) == [
        (TAN_DONG, False, 1, review),
        (TAN_DONG, True, 1, review),
    ]
    assert _rows(query, {"codes": [TAN_DONG], "today": date(2026, 11, 10)}) == [(TAN_DONG, False, 2, review)]

    params = {"codes": [TAN_DONG, OTHER_PROVINCE_COMMUNE], "year": 2026}
    (stamp,) = _rows(f"SELECT {sql.reviews_stamp()}", params)[0]
    assert stamp.startswith("3/")
    assert _rows(f"SELECT {sql.reviews_stamp()}", {"codes": [BINH_MINH], "year": 2026}) == [("0/",)]
