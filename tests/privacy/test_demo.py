"""The access log answers for a demo person: what the officer opened is what the command and the
administrator's report say, and a look refused out of scope leaves no trace. One test: loading the
demo takes a while."""

from io import StringIO

from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from beneficiaries.models import Case
from demo.accounts import load_demo
from households.models import Membership
from privacy.models import AccessRecord


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_the_log_answers_who_saw_a_demo_beneficiary(db, on_demo_day):
    load_demo()
    case = Case.objects.filter(commune_id="25522", status="active").select_related("person").order_by("pk").first()
    person = case.person
    household = Membership.objects.get(person=person, left_on__isnull=True).household
    officer = signed_in("tandong.officer")

    assert officer.get(reverse("households:detail", args=[household.uuid])).status_code == 200
    assert officer.get(reverse("beneficiaries:detail", args=[case.uuid])).status_code == 200
    assert signed_in("binhminh.officer").get(reverse("beneficiaries:detail", args=[case.uuid])).status_code == 404

    out = StringIO()
    call_command("personal_data_access", "--national-id", person.national_id, stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == f"{person.full_name} ({person.national_id}): 2 access(es)"
    assert [line.split("\t")[1:] for line in lines[1:]] == [
        ["tandong.officer", "page", "beneficiaries:detail"],
        ["tandong.officer", "page", "households:detail"],
    ]
    assert not AccessRecord.objects.filter(user__username="binhminh.officer").exists()

    report = signed_in("admin").get(reverse("privacy:subject_report"), {"national_id": person.national_id})
    assert report.status_code == 200
    titles = [section.title for section in report.context["sections"]]  # the page speaks Vietnamese
    assert titles[:2] == ["Nhân thân (dữ liệu hộ gia đình)", "Hộ gia đình"]
    assert any(title.startswith("Hồ sơ trợ cấp lập ngày") for title in titles)
    # The command's own look is on record too (no user: whoever ran it on the server).
    assert [(a.user and a.user.username, a.what) for a in report.context["accesses"]] == [
        (None, "personal_data_access"),
        ("tandong.officer", "beneficiaries:detail"),
        ("tandong.officer", "households:detail"),
    ]
