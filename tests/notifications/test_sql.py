"""The messages' SQL fragment (``notifications/sql.py``), registered in ``core.sql`` for the reports
(its sibling, which may not import it), on the dashboards' world: Tân Đông's reminders from
March 2026 (a cancelled one in January), one in Hồ Chí Minh City in June 2025."""

from datetime import datetime

import pytest
from django.db import connection
from django.utils import timezone

from core.sql import fragment, literals
from notifications import sql
from notifications.reminders import TEMPLATE_CODE
from tests.conftest import BINH_MINH, OTHER_PROVINCE_COMMUNE, TAN_DONG
from tests.reports.test_figures import build_world


def _first(codes: list[str]):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT created_at FROM ({fragment(sql.FIRST_MESSAGE)()}) f",
                       {"codes": codes, "template": TEMPLATE_CODE})  # fmt: skip
        return cursor.fetchone()[0]


@pytest.fixture
def world(units, users):
    return build_world(units, users)


def test_the_first_message_of_a_template(world):
    assert fragment(sql.FIRST_MESSAGE) is sql.first_message  # registered by NotificationsConfig.ready()
    march = timezone.make_aware(datetime(2026, 3, 10, 8, 0))
    assert _first([TAN_DONG, BINH_MINH]) == march  # the cancelled one of January is not counted
    assert _first([BINH_MINH]) is None
    assert _first([TAN_DONG, OTHER_PROVINCE_COMMUNE]) == timezone.make_aware(datetime(2025, 6, 1, 8, 0))


def test_enum_values_are_written_as_literals_and_nothing_else():
    assert literals(["poor", "near_poor"]) == "'poor', 'near_poor'"
    with pytest.raises(ValueError):
        literals(["x' OR 1=1 --"])
