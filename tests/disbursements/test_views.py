"""Pages of payment runs: every page for each role, prepare as a POST (the batches run in-process
in place of the workers), approve and cancel as POSTs (success, and a refusal that changes
nothing), maker-checker as a message on the page, the progress partial polled by htmx, masked
accounts, the case page's payment history, the household timeline, the work lists, and the query
counts of the runs list and the run page."""

from datetime import date
from unittest import mock

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from beneficiaries import banks
from beneficiaries.models import PaymentMethod
from core.months import add_months, first_of_month
from disbursements import services
from disbursements.models import PaidMonth, Run, RunEvent, RunLine
from households.models import Membership
from tests.disbursements.conftest import Beneficiary, make_cases, many, prepare_now
from tests.households.factories import make_household

THIS_MONTH = first_of_month(timezone.localdate())
READERS = ["tandong_officer", "tandong_chair", "tandong_committee", "tayninh_province"]


@pytest.fixture
def client_for(client_for, settings):
    """Pages in English (the source strings), as the service messages are asserted."""

    def make(role_key: str):
        client = client_for(role_key)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


def url(name, run=None, **kwargs):
    if run is not None:
        kwargs["run_id"] = run.pk
    return reverse(f"disbursements:{name}", kwargs=kwargs)


def page_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def cases(rules, units, officer):
    """Three elders of Tân Đông paid from this month: two by bank, one in cash."""
    return make_cases(units.tan_dong, officer, [
        Beneficiary("Nguyễn Thị Hoa", date(1950, 3, 10), THIS_MONTH),
        Beneficiary("Trần Văn Bình", date(1948, 7, 1), THIS_MONTH),
        Beneficiary("Lê Thị Cúc", date(1951, 1, 5), THIS_MONTH, method=PaymentMethod.CASH),
    ])  # fmt: skip


@pytest.fixture
def computed(cases, units, officer) -> Run:
    return prepare_now(
        services.run_prepare(commune=units.tan_dong, month=THIS_MONTH, acting_user=officer, enqueue=False)
    )


def snapshot(run: Run) -> tuple:
    run.refresh_from_db()
    return (run.status, run.generation, run.approved_by_id, run.lines.count(), PaidMonth.objects.count(),
            RunEvent.objects.filter(run=run).count())  # fmt: skip


# --- every page renders for every reader -----------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_runs_list_shows_the_months_runs_with_totals(role, client_for, computed):
    page = page_of(client_for(role).get(url("list")))

    assert "Xã Tân Đông" in page
    assert "2,250,000" in page  # 3 × 750,000
    assert ('data-testid="prepare-form"' in page) is (role == "tandong_officer")


def test_runs_list_of_another_month_is_empty(client_for, computed):
    page = page_of(client_for("tandong_officer").get(url("list"), {"month": f"{add_months(THIS_MONTH, -1):%Y-%m}"}))

    assert 'data-testid="no-runs"' in page


def test_runs_list_by_status_shows_every_month(client_for, computed):
    page = page_of(client_for("tandong_chair").get(url("list"), {"status": "computed"}))

    assert "Xã Tân Đông" in page


def test_binh_minh_officer_does_not_see_tan_dong_runs(client_for, computed):
    client = client_for("binhminh_officer")

    assert "Xã Tân Đông" not in page_of(client.get(url("list")))
    assert client.get(url("detail", computed)).status_code == 404
    assert client.get(url("progress", computed)).status_code == 404


@pytest.mark.parametrize("role", READERS)
def test_run_page_shows_status_totals_and_lines(role, client_for, computed):
    page = page_of(client_for(role).get(url("detail", computed)))

    assert 'data-status="computed"' in page
    assert 'data-testid="totals-method"' in page and 'data-testid="totals-category"' in page
    assert "1,500,000" in page  # by bank
    assert "5.5a" in page
    for name in ("Nguyễn Thị Hoa", "Trần Văn Bình", "Lê Thị Cúc"):
        assert name in page
    assert "hx-trigger" not in page  # computed: nothing to poll
    assert ("/approve/" in page) is (role == "tandong_chair")
    assert ("/prepare-again/" in page) is (role == "tandong_officer")


@pytest.mark.parametrize(
    ("role", "full"),
    # The committee reviews poverty and needs no account or national ID (issue 15, privacy.visibility).
    [("tandong_officer", True), ("tandong_chair", True), ("tandong_committee", False), ("tayninh_province", False)],
)
def test_account_numbers_are_masked_for_roles_that_do_not_need_them(role, full, client_for, computed):
    line = computed.lines.filter(payment_method=PaymentMethod.BANK).first()

    page = page_of(client_for(role).get(url("detail", computed)))

    assert (line.account_number in page) is full
    assert f"{banks.bank_name(line.bank_bin)} – ••••{line.account_number[-4:]}" in page or full
    assert (line.national_id in page) is full


@pytest.mark.parametrize("role", ["tandong_committee", "tayninh_province"])
def test_a_masked_role_reads_no_health_category_on_the_run_page_nor_filters_by_one(role, client_for, computed):
    """Issue 15 (privacy.visibility): a line under 5.8 (HIV) reads "health-related category" and the
    lines cannot be filtered by 5.8 (the filtered list would name the people with HIV)."""
    RunLine.objects.filter(pk=computed.lines.order_by("id").first().pk).update(category="5.8")

    response = english(client_for(role)).get(url("detail", computed), {"category": "5.8"})

    page = page_of(response)
    assert 'data-category="5.8"' not in page and "HIV" not in page and "<td>health-related category</td>" in page
    assert "5.8" not in [code for code, _label in response.context["form"].fields["category"].choices]
    assert officer_reads_it(client_for, computed)


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def officer_reads_it(client_for, run) -> bool:
    response = english(client_for("tandong_officer")).get(url("detail", run), {"category": "5.8"})
    label = 'data-category="5.8">Person with HIV/AIDS in a poor household (cl. 8 Art. 5)</span></td>'
    return label in page_of(response) and len(response.context["lines"]) == 1


def test_lines_search_by_name_without_diacritics_national_id_and_reference(client_for, computed):
    client = client_for("tandong_officer")
    hoa = computed.lines.get(full_name="Nguyễn Thị Hoa")

    for query in ("nguyen thi hoa", hoa.national_id, hoa.reference):
        page = page_of(client.get(url("detail", computed), {"q": query}))
        assert "Nguyễn Thị Hoa" in page and "Trần Văn Bình" not in page, query


def test_lines_filter_by_method_and_category(client_for, computed):
    client = client_for("tandong_officer")

    cash = page_of(client.get(url("detail", computed), {"payment_method": "cash"}))
    other_category = page_of(client.get(url("detail", computed), {"category": "5.5a", "payment_method": "bank"}))

    assert "Lê Thị Cúc" in cash and "Nguyễn Thị Hoa" not in cash
    assert "Nguyễn Thị Hoa" in other_category and "Lê Thị Cúc" not in other_category


def test_lines_are_paged(client_for, rules, units, officer, settings):
    make_cases(units.tan_dong, officer, many(55, THIS_MONTH))
    run = prepare_now(
        services.run_prepare(commune=units.tan_dong, month=THIS_MONTH, acting_user=officer, enqueue=False)
    )
    client = client_for("tandong_officer")

    first = page_of(client.get(url("detail", run)))
    second = page_of(client.get(url("detail", run), {"page": 2}))

    assert "Người Thụ Hưởng 00049" in first and "Người Thụ Hưởng 00050" not in first
    assert "Người Thụ Hưởng 00050" in second and "page=3" not in second


# --- preparing and its progress --------------------------------------------------------------------


def test_officer_prepares_a_run_and_the_batches_run(client_for, cases, units, django_capture_on_commit_callbacks):
    def run_batch(run_id, generation, low, high):
        return services.batch_prepare(run_id, generation, low, high)

    with (
        mock.patch("disbursements.tasks.prepare_batch_task.delay", side_effect=run_batch) as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client_for("tandong_officer").post(
            url("prepare"), {"commune": units.tan_dong.code, "month": f"{THIS_MONTH:%Y-%m}"}
        )

    run = Run.objects.get(commune=units.tan_dong, month=THIS_MONTH)
    assert response.status_code == 302 and response.url == url("detail", run)
    assert delay.call_count == 1
    assert (run.status, run.line_count, run.total_amount) == (Run.Status.COMPUTED, 3, 2_250_000)


def test_prepare_form_offers_only_the_officers_communes(client_for, units):
    client = client_for("binhminh_officer")

    response = client.post(url("prepare"), {"commune": units.tan_dong.code, "month": f"{THIS_MONTH:%Y-%m}"})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Run.objects.exists()


@pytest.mark.parametrize("role", ["tandong_chair", "tandong_committee", "tayninh_province"])
def test_only_officers_prepare(role, client_for, units):
    response = client_for(role).post(url("prepare"), {"commune": units.tan_dong.code, "month": f"{THIS_MONTH:%Y-%m}"})

    assert response.status_code == 403
    assert not Run.objects.exists()


def test_progress_partial_polls_while_preparing(client_for, cases, units, officer, settings):
    settings.DISBURSEMENT_BATCH_SIZE = 1
    run = services.run_prepare(commune=units.tan_dong, month=THIS_MONTH, acting_user=officer, enqueue=False)
    low, high = run.batches.order_by("low").values_list("low", "high").first()
    services.batch_prepare(run.pk, run.generation, low, high)
    client = client_for("tandong_officer")

    partial = page_of(client.get(url("progress", run), HTTP_HX_REQUEST="true"))
    page = page_of(client.get(url("detail", run)))

    assert 'hx-trigger="every 2s"' in partial and f'hx-get="{url("progress", run)}"' in partial
    assert "1 of 3 batches computed" in partial
    assert 'hx-trigger="every 2s"' in page


def test_progress_partial_stops_and_refreshes_the_page_when_computed(client_for, computed):
    response = client_for("tandong_officer").get(url("progress", computed), HTTP_HX_REQUEST="true")

    assert "hx-trigger" not in page_of(response)
    assert response["HX-Refresh"] == "true"
    assert 'data-status="computed"' in response.content.decode()


def test_officer_prepares_a_computed_run_again(client_for, computed, officer):
    response = client_for("tandong_officer").post(url("reprepare", computed))

    computed.refresh_from_db()
    assert response.status_code == 302
    assert (computed.status, computed.generation, computed.lines.count()) == (Run.Status.PREPARING, 2, 0)


# --- approving and cancelling ----------------------------------------------------------------------


def test_chair_approves(client_for, computed, chair):
    response = client_for("tandong_chair").post(url("approve", computed))

    computed.refresh_from_db()
    assert response.status_code == 302 and response.url == url("detail", computed)
    assert (computed.status, computed.approved_by) == (Run.Status.APPROVED, chair)


def test_chair_who_prepared_the_run_cannot_approve_it_message_not_403(client_for, computed, chair):
    Run.objects.filter(pk=computed.pk).update(prepared_by=chair)
    before = snapshot(computed)

    response = client_for("tandong_chair").post(url("approve", computed))

    assert "You prepared this run; another person must approve it." in page_of(response)
    assert snapshot(computed) == before


def test_approving_a_run_not_computed_is_refused_with_nothing_changed(client_for, computed, chair):
    services.run_approve(run=computed, acting_user=chair)
    before = snapshot(computed)

    response = client_for("tandong_chair").post(url("approve", computed))

    assert "this is not possible now" in page_of(response)
    assert snapshot(computed) == before


@pytest.mark.parametrize(("role", "status"), [("tandong_officer", 403), ("tandong_committee", 403),
                                              ("tayninh_province", 403), ("binhminh_officer", 404)])  # fmt: skip
def test_other_roles_cannot_approve(role, status, client_for, computed):
    before = snapshot(computed)

    assert client_for(role).post(url("approve", computed)).status_code == status
    assert snapshot(computed) == before


def test_officer_cancels_with_a_reason(client_for, computed):
    response = client_for("tandong_officer").post(url("cancel", computed), {"reason": "Sai danh sách"})

    computed.refresh_from_db()
    assert response.status_code == 302
    assert (computed.status, computed.lines.count(), PaidMonth.objects.count()) == (Run.Status.CANCELLED, 0, 0)
    assert computed.events.get(kind=RunEvent.Kind.CANCELLED).reason == "Sai danh sách"


def test_cancel_without_a_reason_changes_nothing(client_for, computed):
    before = snapshot(computed)

    response = client_for("tandong_officer").post(url("cancel", computed), {"reason": ""})

    assert "This field is required." in page_of(response)
    assert snapshot(computed) == before


@pytest.mark.parametrize(("role", "status"), [("tandong_committee", 403), ("tayninh_province", 403),
                                              ("binhminh_officer", 404)])  # fmt: skip
def test_other_roles_cannot_cancel(role, status, client_for, computed):
    before = snapshot(computed)

    assert client_for(role).post(url("cancel", computed), {"reason": "x"}).status_code == status
    assert snapshot(computed) == before


def test_chair_cannot_cancel_a_computed_run_message_not_403(client_for, computed):
    before = snapshot(computed)

    response = client_for("tandong_chair").post(url("cancel", computed), {"reason": "x"})

    assert "You may not do this for this run." in page_of(response)
    assert snapshot(computed) == before


# --- the case page, the household timeline and the work lists --------------------------------------


def _reconcile(run, chair, officer, failed=()):
    services.run_approve(run=run, acting_user=chair)
    services.run_send_to_payer(run=run, acting_user=officer)
    rows = [
        {"reference": line.reference, "status": "failed" if line.full_name in failed else "paid",
         "paid_on": "" if line.full_name in failed else f"{run.month:%Y-%m}-20",
         "note": "Tài khoản bị khóa" if line.full_name in failed else ""}
        for line in run.lines.all()
    ]  # fmt: skip
    services.run_reconcile(run=run, rows=rows, acting_user=officer)


def test_case_page_shows_the_payment_history(client_for, computed, chair, officer):
    _reconcile(computed, chair, officer, failed=("Lê Thị Cúc",))
    hoa = computed.lines.get(full_name="Nguyễn Thị Hoa").case

    page = page_of(client_for("tandong_committee").get(reverse("beneficiaries:detail", args=[hoa.uuid])))

    assert 'data-testid="case-payments"' in page
    assert f"{THIS_MONTH:%m/%Y}" in page and "750,000" in page and "Paid" in page


def test_household_timeline_shows_paid_and_failed_payments(client_for, computed, chair, officer, units):
    _reconcile(computed, chair, officer, failed=("Lê Thị Cúc",))
    household = make_household(units.tan_dong, units.tan_dong_village, code="TD-PAY")
    for line in computed.lines.select_related("case"):
        Membership.objects.create(household=household, person_id=line.case.person_id, relationship="other",
                                  joined_on=THIS_MONTH)  # fmt: skip

    page = page_of(client_for("tandong_officer").get(reverse("households:detail", args=[household.uuid])))

    assert f"Paid 750,000 for {THIS_MONTH:%Y-%m} (Bank transfer): Nguyễn Thị Hoa" in page or "Paid 750,000" in page
    assert "Payment failed" in page and "Lê Thị Cúc" in page


def test_work_lists_of_the_chair_and_the_officer(client_for, computed):
    chair_home = page_of(client_for("tandong_chair").get(reverse("core:home")))
    officer_home = page_of(client_for("tandong_officer").get(reverse("core:home")))

    assert "Payment runs awaiting your approval" in chair_home
    assert "Payment runs computed or approved, not yet sent to the payer" in officer_home
    assert "Payment runs awaiting your approval" not in officer_home


def test_beneficiary_failed_three_consecutive_months_is_on_the_officers_work_list(
    client_for, rules, units, officer, chair
):
    first = add_months(THIS_MONTH, -3)
    make_cases(units.tan_dong, officer, [
        Beneficiary("Phạm Văn Đức", date(1950, 3, 10), first), Beneficiary("Võ Thị Én", date(1950, 3, 10), first),
    ])  # fmt: skip
    for month in (first, add_months(first, 1), add_months(first, 2)):
        run = prepare_now(services.run_prepare(commune=units.tan_dong, month=month, acting_user=officer, enqueue=False))
        _reconcile(run, chair, officer, failed=("Phạm Văn Đức",))
    client = client_for("tandong_officer")

    home = page_of(client.get(reverse("core:home")))
    unpaid = page_of(client.get(url("unpaid")))

    assert "Beneficiaries not paid for 3 consecutive months, for suspension review" in home
    assert "Phạm Văn Đức" in unpaid and "Võ Thị Én" not in unpaid
    assert "Phạm Văn Đức" not in page_of(client_for("binhminh_officer").get(url("unpaid")))


# --- query counts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [0, 12])
def test_runs_list_query_count_is_fixed(extra, client_for, rules, units, officer, django_assert_num_queries):
    for number in range(extra):
        Run.objects.create(commune=units.tan_dong, month=add_months(THIS_MONTH, -number - 1), status="reconciled")
        Run.objects.create(commune=units.binh_minh, month=add_months(THIS_MONTH, -number - 1), status="cancelled")
    Run.objects.create(commune=units.tan_dong, month=THIS_MONTH, status="computed")
    client = client_for("tandong_officer")
    client.get(url("list"), {"status": ["reconciled", "computed"]})
    # session, user, commune codes, the runs (+commune), the communes of the prepare form, then
    # the sliding session save (3), whatever the number of runs.
    with django_assert_num_queries(8):
        client.get(url("list"), {"status": ["reconciled", "computed"]})


@pytest.mark.parametrize("extra", [0, 60])
def test_run_page_query_count_is_fixed(extra, client_for, rules, units, officer, django_assert_num_queries):
    make_cases(units.tan_dong, officer, many(3 + extra, THIS_MONTH))
    run = prepare_now(
        services.run_prepare(commune=units.tan_dong, month=THIS_MONTH, acting_user=officer, enqueue=False)
    )
    assert RunLine.objects.filter(run=run).count() == 3 + extra
    client = client_for("tandong_officer")
    client.get(url("detail", run))
    # session, user, commune codes, the run (+commune, province, users), its categories, a page of
    # lines, the progress, the totals by method and category, the access-log row (1: its INSERT
    # reads the lines' persons itself), then the sliding session save (3).
    with django_assert_num_queries(12):
        client.get(url("detail", run))
