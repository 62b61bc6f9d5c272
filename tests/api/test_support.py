"""A household's support records through the API: what the records list shows for it, with the
funding lines, the records of the caller's communes only, 404s, the access log, fixed queries."""

from datetime import date

import pytest
from django.urls import reverse

from privacy.models import AccessRecord
from support.models import Donor, Programme, Record, RecordFunding
from tests.conftest import BINH_MINH, TAN_DONG

pytestmark = pytest.mark.django_db


def url(household) -> str:
    return reverse("api:household_support", kwargs={"household_uuid": household.uuid})


@pytest.fixture
def records(family, units, users):
    """A Tết gift delivered to the household (state budget and a donor), a house repair planned for the
    wife, and a cancelled check-up."""
    officer = users["tandong_officer"]
    programme = Programme.objects.create(commune=units.tan_dong, kind="gift", name="Quà Tết 2026", year=2026,
                                         created_by=officer)  # fmt: skip
    houses = Programme.objects.create(commune=units.tan_dong, kind="house", name="Nhà đại đoàn kết", year=2026,
                                      created_by=officer)  # fmt: skip
    donor = Donor.objects.create(province=units.tay_ninh, name="Công ty Mía đường")
    wife = family.memberships.get(relationship="spouse").person
    gift = Record.objects.create(
        programme=programme, commune=units.tan_dong, kind="gift", household=family, status="delivered",
        planned_on=date(2026, 1, 20), delivered_on=date(2026, 1, 25), value_vnd=500_000, in_kind="10 kg gạo",
        created_by=officer,
    )  # fmt: skip
    RecordFunding.objects.create(record=gift, source="state_budget", amount_vnd=300_000)
    RecordFunding.objects.create(record=gift, source="donor", donor=donor, amount_vnd=200_000)
    house = Record.objects.create(
        programme=houses, commune=units.tan_dong, kind="house", household=family, person=wife, status="planned",
        planned_on=date(2026, 6, 1), value_vnd=40_000_000, created_by=officer,
    )  # fmt: skip
    cancelled = Record.objects.create(
        programme=programme, commune=units.tan_dong, kind="checkup", household=family, status="cancelled",
        planned_on=date(2026, 1, 20), in_kind="Khám sức khỏe", created_by=officer,
    )  # fmt: skip
    return gift, house, cancelled, wife


def test_the_households_records_newest_plan_first_with_their_funding(records, family, client_for):
    gift, house, cancelled, wife = records

    response = client_for("tandong_officer").get(url(family))

    assert response.status_code == 200, response.content
    commune = {"code": TAN_DONG, "name": "Xã Tân Đông"}
    assert response.json() == {
        "next": None,
        "results": [
            {"uuid": str(house.uuid), "programme": {"id": house.programme_id, "name": "Nhà đại đoàn kết", "year": 2026},
             "commune": commune, "kind": "house", "status": "planned",
             "person": {"uuid": str(wife.uuid), "full_name": "Trần Thị Bình"}, "planned_on": "2026-06-01",
             "delivered_on": None, "value_vnd": 40000000, "in_kind": "", "fundings": []},
            {"uuid": str(cancelled.uuid), "programme": {"id": gift.programme_id, "name": "Quà Tết 2026", "year": 2026},
             "commune": commune, "kind": "checkup", "status": "cancelled", "person": None,
             "planned_on": "2026-01-20", "delivered_on": None, "value_vnd": 0, "in_kind": "Khám sức khỏe",
             "fundings": []},
            {"uuid": str(gift.uuid), "programme": {"id": gift.programme_id, "name": "Quà Tết 2026", "year": 2026},
             "commune": commune, "kind": "gift", "status": "delivered", "person": None, "planned_on": "2026-01-20",
             "delivered_on": "2026-01-25", "value_vnd": 500000, "in_kind": "10 kg gạo",
             "fundings": [{"source": "donor", "donor": "Công ty Mía đường", "amount_vnd": 200000},
                          {"source": "state_budget", "donor": None, "amount_vnd": 300000}]},
        ],
    }  # fmt: skip
    record = AccessRecord.objects.get()
    assert (record.purpose, record.what, sorted(record.person_ids), record.commune_ids) == (
        "api", "api:household_support", sorted([wife.pk, family.head_id]), [TAN_DONG],
    )  # fmt: skip


def test_the_status_filter_and_the_cursor(records, family, client_for):
    gift, house, cancelled, _wife = records
    client = client_for("tandong_committee")

    delivered = client.get(url(family), {"status": "delivered"}).json()["results"]
    first = client.get(url(family), {"limit": 2}).json()
    second = client.get(first["next"]).json()

    assert [row["uuid"] for row in delivered] == [str(gift.uuid)]
    assert [row["uuid"] for row in first["results"] + second["results"]] == [
        str(house.uuid), str(cancelled.uuid), str(gift.uuid),
    ]  # fmt: skip
    assert second["next"] is None
    assert client.get(url(family), {"status": "lost"}).status_code == 400


def test_another_communes_household_is_a_404(records, family, client_for):
    response = client_for("binhminh_officer").get(url(family))

    assert response.status_code == 404
    assert not AccessRecord.objects.exists()


def test_a_household_that_moved_keeps_its_old_communes_records_there(records, family, client_for, units):
    family.commune = units.binh_minh  # as an accepted transfer leaves it
    family.village = units.binh_minh_village
    family.save()

    response = client_for("binhminh_officer").get(url(family))

    assert response.status_code == 200
    assert response.json()["results"] == []  # the records are Tân Đông's
    assert AccessRecord.objects.get().commune_ids == [BINH_MINH]


def test_the_list_costs_the_same_queries_for_3_records_as_for_10(
    records, family, client_for, users, units, django_assert_num_queries
):
    client = client_for("tandong_officer")
    client.get(url(family))
    # session, user, the user's communes, the household, the records, their funding lines, their donors, the
    # access log, the session saved (3)
    with django_assert_num_queries(11):
        assert len(client.get(url(family)).json()["results"]) == 3
    gift = records[0]
    for day in range(1, 8):
        Record.objects.create(programme=gift.programme, commune=units.tan_dong, kind="gift", household=family,
                              planned_on=date(2026, 2, day), value_vnd=100_000, created_by=users["tandong_officer"])  # fmt: skip
    with django_assert_num_queries(11):
        assert len(client.get(url(family)).json()["results"]) == 10
