"""The personal-data access log: one row per request naming exactly the persons shown (a search and
an export with their count and filter), its retention, and its answers (the administrator's page,
``personal_data_access``, the data-subject report), read by the administrator only."""

from datetime import date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from households.models import Person
from privacy.log import record_access
from privacy.models import AccessRecord
from privacy.services import access_records_purge
from privacy.tasks import purge_access_records_task
from tests.clock import VIETNAM
from tests.households.factories import make_household

FAMILY = (
    ("Nguyễn Thị Hiếu Trang", "F", date(1975, 4, 30), "head"),
    ("Lê Văn Tám", "M", date(1973, 9, 2), "spouse"),
    ("Lê Thị Mai", "F", date(2005, 1, 1), "child"),
)
ONE = (("Trần Văn Một", "M", date(1960, 1, 1), "head"),)

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(units):
    return make_household(units.tan_dong, units.tan_dong_village, code="TD-0100", members=FAMILY)


@pytest.fixture
def neighbour(units):
    return make_household(units.binh_minh, units.binh_minh_village, code="BM-0001", members=ONE)


def member_ids(household) -> list[int]:
    return sorted(household.memberships.values_list("person_id", flat=True))


def only_record() -> AccessRecord:
    records = list(AccessRecord.objects.all())
    assert len(records) == 1, records
    return records[0]


# --- pages, searches and exports record who saw whom ----------------------------------------------


def test_the_household_page_records_one_row_naming_exactly_its_members(client_for, users, family):
    response = client_for("tandong_officer").get(reverse("households:detail", args=[family.uuid]))

    assert response.status_code == 200
    record = only_record()
    assert record.user == users["tandong_officer"]
    assert (record.purpose, record.what) == ("page", "households:detail")
    assert record.person_ids == member_ids(family) and len(record.person_ids) == 3
    assert record.commune_ids == ["25522"]
    assert (record.count, record.filters) == (None, None)


def test_a_member_row_fragment_records_that_member_only(client_for, family):
    membership = family.memberships.get(person__full_name="Lê Văn Tám")
    url = reverse("households:member_row", args=[family.uuid, membership.pk])

    client_for("tandong_officer").get(url, HTTP_HX_REQUEST="true")

    record = only_record()
    assert (record.purpose, record.what, record.person_ids) == (
        "fragment",
        "households:member_row",
        [membership.person_id],
    )


def test_the_household_list_records_the_heads_of_its_page_in_one_row(client_for, units, family):
    others = [make_household(units.tan_dong, units.tan_dong_village, f"TD-{n:04d}", ONE) for n in range(3)]

    client_for("tandong_officer").get(reverse("households:list"))

    record = only_record()
    assert (record.purpose, record.what) == ("page", "households:list")
    assert record.person_ids == sorted([family.head_id, *(household.head_id for household in others)])
    assert (record.count, record.filters) == (None, None)


def test_a_search_records_its_query_its_count_and_the_persons_it_showed(client_for, family, neighbour):
    head = Person.objects.get(pk=family.head_id)

    client_for("tandong_officer").get(reverse("households:list"), {"q": head.national_id})

    record = only_record()
    assert (record.purpose, record.what) == ("search", "households:list")
    assert record.person_ids == [head.pk]
    assert record.count == 1
    assert record.filters == {"q": head.national_id}


def test_a_search_that_finds_nobody_is_recorded_too(client_for, family, neighbour):
    """Guessing a national ID outside one's communes shows nothing, but the try stays on record."""
    outside = Person.objects.get(pk=neighbour.head_id).national_id

    response = client_for("tandong_officer").get(reverse("households:list"), {"q": outside})

    assert response.context["households"] == []
    record = only_record()
    assert (record.purpose, record.person_ids, record.count, record.filters) == ("search", [], 0, {"q": outside})


def test_a_list_page_that_shows_nobody_records_nothing(client_for, units):
    client_for("tandong_officer").get(reverse("households:list"))

    assert AccessRecord.objects.count() == 0


def test_an_export_records_its_count_and_its_filter(client_for, units, family):
    make_household(units.tan_dong, units.tan_dong_village, "TD-0200", ONE)
    make_household(units.binh_minh, units.binh_minh_village, "BM-0200", ONE)  # out of scope: not exported

    response = client_for("tandong_officer").get(
        reverse("households:export"), {"format": "csv", "village": units.tan_dong_village.pk}
    )
    lines = b"".join(response.streaming_content).decode().splitlines()

    assert len(lines) == 1 + 3 + 1  # the header, the family's three members, one head
    record = only_record()
    assert (record.purpose, record.what) == ("export", "households:export")
    assert record.count == 2  # households
    assert record.filters == {"format": "csv", "village": str(units.tan_dong_village.pk)}
    assert record.commune_ids == ["25522"] and record.person_ids == []


def test_a_page_costs_one_insert_whatever_the_number_of_persons(client_for, units):
    for number in range(12):
        make_household(units.tan_dong, units.tan_dong_village, f"TD-{number:04d}", FAMILY)
    client = client_for("tandong_officer")

    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("households:list"))
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "privacy_accessrecord"')]

    assert len(inserts) == 1
    assert len(only_record().person_ids) == 12


def test_record_access_can_read_the_persons_inside_its_insert(users, family):
    """A page that knows other ids (cases, run lines) passes a values() queryset: one statement."""
    members = family.memberships.values("person_id")

    with CaptureQueriesContext(connection) as queries:
        record_access(user=users["tandong_chair"], purpose="page", what="test", person_ids=members)

    assert len(queries.captured_queries) == 1
    assert sorted(only_record().person_ids) == member_ids(family)


# --- retention -------------------------------------------------------------------------------------


def _record_at(moment: datetime, user=None) -> AccessRecord:
    return AccessRecord.objects.create(user=user, accessed_at=moment, purpose="page", what="test", person_ids=[1])


def test_the_retention_task_deletes_exactly_the_rows_older_than_the_setting(settings, django_assert_num_queries):
    settings.PERSONAL_DATA_ACCESS_RETENTION_DAYS = 730
    now = datetime(2026, 12, 7, 3, 30, tzinfo=VIETNAM)
    too_old = [_record_at(now - timedelta(days=730, seconds=1)), _record_at(now - timedelta(days=2000))]
    kept = [_record_at(now - timedelta(days=730)), _record_at(now - timedelta(days=1)), _record_at(now)]

    with django_assert_num_queries(1):  # one DELETE statement
        deleted = access_records_purge(now=now)

    assert deleted == 2
    assert sorted(AccessRecord.objects.values_list("pk", flat=True)) == sorted(record.pk for record in kept)
    assert not AccessRecord.objects.filter(pk__in=[record.pk for record in too_old]).exists()
    assert access_records_purge(now=now) == 0  # a second run deletes nothing more


def test_the_beat_task_purges_with_the_configured_period(settings):
    settings.PERSONAL_DATA_ACCESS_RETENTION_DAYS = 30
    old = _record_at(timezone.now() - timedelta(days=31))
    recent = _record_at(timezone.now() - timedelta(days=29))

    assert purge_access_records_task() == 1
    assert list(AccessRecord.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not AccessRecord.objects.filter(pk=old.pk).exists()


def test_beat_runs_the_purge_daily():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["privacy.purge_access_records"]
    assert entry["task"] == "privacy.purge_access_records"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({3}, {30})


# --- the answers: the command, the administrator's page, the report -------------------------------


def test_the_command_prints_who_saw_the_person_and_when(users, units, family, neighbour):
    head = Person.objects.get(pk=family.head_id)
    officer, chair = users["tandong_officer"], users["tandong_chair"]
    AccessRecord.objects.create(user=officer, accessed_at=datetime(2026, 11, 2, 9, 15, tzinfo=VIETNAM),
                                purpose="page", what="households:detail", person_ids=member_ids(family))  # fmt: skip
    AccessRecord.objects.create(user=chair, accessed_at=datetime(2026, 11, 3, 14, 0, tzinfo=VIETNAM),
                                purpose="search", what="households:list", person_ids=[head.pk])  # fmt: skip
    # An export of Tân Đông that names nobody by id may have included them; one of Bình Minh did not.
    AccessRecord.objects.create(user=officer, accessed_at=datetime(2026, 11, 4, 8, 0, tzinfo=VIETNAM),
                                purpose="export", what="households:export", commune_ids=["25522"], count=40)  # fmt: skip
    AccessRecord.objects.create(user=officer, accessed_at=datetime(2026, 11, 5, 8, 0, tzinfo=VIETNAM),
                                purpose="export", what="households:export", commune_ids=["25480"], count=9)  # fmt: skip
    AccessRecord.objects.create(user=officer, accessed_at=datetime(2026, 11, 6, 8, 0, tzinfo=VIETNAM),
                                purpose="page", what="households:detail", person_ids=[neighbour.head_id])  # fmt: skip
    out = StringIO()

    call_command("personal_data_access", "--national-id", head.national_id, stdout=out)

    assert out.getvalue().splitlines() == [
        f"Nguyễn Thị Hiếu Trang ({head.national_id}): 3 access(es)",
        "2026-11-04 08:00:00\ttandong.officer\texport\thouseholds:export\t(a file of their commune: count 40)",
        "2026-11-03 14:00:00\ttandong.chair\tsearch\thouseholds:list",
        "2026-11-02 09:15:00\ttandong.officer\tpage\thouseholds:detail",
    ]
    # Asking is itself recorded, without a user.
    asked = AccessRecord.objects.get(purpose="cli")
    assert (asked.user, asked.what, asked.person_ids) == (None, "personal_data_access", [head.pk])


def test_the_command_refuses_an_unknown_national_id(family):
    with pytest.raises(CommandError, match="no person has the national ID 000000000000"):
        call_command("personal_data_access", "--national-id", "000000000000", stdout=StringIO())
    assert AccessRecord.objects.count() == 0


def test_the_administrator_finds_the_accesses_to_a_person_by_national_id(client_for, users, family, neighbour):
    head = Person.objects.get(pk=family.head_id)
    client_for("tandong_officer").get(reverse("households:detail", args=[family.uuid]))
    client_for("binhminh_officer").get(reverse("households:detail", args=[neighbour.uuid]))

    response = client_for("admin").get(reverse("privacy:access_log"), {"national_id": head.national_id})

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(row.user.username, row.what) for row in rows] == [("tandong.officer", "households:detail")]
    assert response.context["subject"].person_id == head.pk
    # The administrator's look-up is itself on record.
    lookup = AccessRecord.objects.get(user=users["admin"])
    assert (lookup.purpose, lookup.person_ids, lookup.filters) == (
        "search",
        [head.pk],
        {"national_id": head.national_id},
    )


def test_the_log_page_filters_by_user_and_by_date(client_for, users, family):
    officer, chair = users["tandong_officer"], users["tandong_chair"]
    AccessRecord.objects.create(user=officer, accessed_at=datetime(2026, 11, 2, 9, 0, tzinfo=VIETNAM),
                                purpose="page", what="a", person_ids=[1])  # fmt: skip
    AccessRecord.objects.create(user=officer, accessed_at=datetime(2026, 11, 3, 23, 59, tzinfo=VIETNAM),
                                purpose="page", what="b", person_ids=[1])  # fmt: skip
    AccessRecord.objects.create(user=chair, accessed_at=datetime(2026, 11, 3, 10, 0, tzinfo=VIETNAM),
                                purpose="page", what="c", person_ids=[1])  # fmt: skip
    client = client_for("admin")

    by_user = client.get(reverse("privacy:access_log"), {"username": "tandong.officer"}).context["rows"]
    by_day = client.get(reverse("privacy:access_log"), {"date_from": "2026-11-03", "date_to": "2026-11-03"})

    assert [row.what for row in by_user] == ["b", "a"]
    assert [row.what for row in by_day.context["rows"]] == ["b", "c"]
    assert not AccessRecord.objects.filter(user=users["admin"]).exists()  # no person asked for: no record


@pytest.mark.parametrize(
    "role", ["tandong_officer", "tandong_committee", "tandong_chair", "binhminh_officer", "tayninh_province"]
)
def test_only_the_administrator_reads_the_log_and_the_report(client_for, family, role):
    head = Person.objects.get(pk=family.head_id)
    client = client_for(role)

    log = client.get(reverse("privacy:access_log"), {"national_id": head.national_id})
    report = client.get(reverse("privacy:subject_report"), {"national_id": head.national_id})

    assert (log.status_code, report.status_code) == (403, 403)
    assert head.full_name not in log.content.decode() + report.content.decode()
    assert AccessRecord.objects.count() == 0  # refused before anything was read


def test_the_data_subject_report_lists_the_person_s_records_and_who_processed_them(client_for, users, family):
    head = Person.objects.get(pk=family.head_id)
    client_for("tandong_officer").get(reverse("households:detail", args=[family.uuid]))

    response = client_for("admin", language="en").get(
        reverse("privacy:subject_report"), {"national_id": head.national_id}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert head.full_name in page and head.national_id in page and "TD-0100" in page
    assert [(a.user.username, a.what) for a in response.context["accesses"]] == [
        ("tandong.officer", "households:detail")
    ]
    printed = AccessRecord.objects.get(user=users["admin"])
    assert (printed.purpose, printed.what, printed.person_ids) == ("print", "privacy:subject_report", [head.pk])


def test_the_report_of_an_unknown_national_id_is_a_404_and_records_nothing(client_for, family):
    response = client_for("admin").get(reverse("privacy:subject_report"), {"national_id": "000000000000"})

    assert response.status_code == 404 and response.context["not_found"]
    assert AccessRecord.objects.count() == 0


def test_the_data_subject_report_prints_as_a_pdf(client_for, users, family):
    head = Person.objects.get(pk=family.head_id)

    response = client_for("admin").get(
        reverse("privacy:subject_report"), {"national_id": head.national_id, "format": "pdf"}
    )

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    printed = AccessRecord.objects.get(user=users["admin"])
    assert (printed.purpose, printed.person_ids, printed.filters) == ("print", [head.pk], {"format": "pdf"})
