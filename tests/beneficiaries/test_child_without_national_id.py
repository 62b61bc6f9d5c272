"""A child registered without a national ID (under 14, issue 16 §11) can still be filed for from
the household page, where the person is chosen, not typed by number."""

from django.urls import reverse

from beneficiaries.models import Case
from households.models import Person


def test_a_case_is_filed_for_a_child_without_a_national_id(family, client_for):
    Person.objects.filter(pk=family.child.pk).update(national_id="")
    client = client_for("tandong_officer")

    response = client.post(
        reverse("beneficiaries:file") + f"?person={family.child.uuid}",
        {"applied_on": "02/03/2026", "categories": ["5.1"], "payment_method": "cash"},
    )

    case = Case.objects.get(person=family.child)
    assert response.status_code == 302
    assert response.url == reverse("beneficiaries:detail", kwargs={"case_uuid": case.uuid})
    assert client.get(response.url).status_code == 200
