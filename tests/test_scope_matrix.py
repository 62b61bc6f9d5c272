"""Every URL, every role, in scope and out of scope: the status each one must get.

The target of each URL is Xã Tân Đông (Tây Ninh). For a Tân Đông officer it is in scope; for the
Bình Minh officer (same province) and the Hồ Chí Minh viewer it is out of scope and must answer 404,
exactly as a code that does not exist. A URL pattern without an entry here fails the suite: add
its row when you add the URL.
"""

from datetime import date, timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from oauth2_provider.models import AccessToken

from accounts.models import Role
from api import urls as api_urls
from api.permissions import SCOPES, scope_for
from api.services import client_create
from beneficiaries import services as allowance_services
from beneficiaries.services import CategoryChoice, PaymentDetails
from disbursements.models import Run
from households.models import DuplicateFlag
from povertyreview.models import Assessment, Campaign, Complaint, ReviewPeriod
from povertyreview.standard_data import load_standards
from tests.api import scope_rows as api_rows
from tests.beneficiaries import scope_rows as allowance_rows
from tests.conftest import ROLE_USERS, TAN_DONG, make_units, make_users
from tests.disbursements import scope_rows as payment_rows
from tests.households import scope_rows as registry_rows
from tests.households.factories import make_household
from tests.notifications import scope_rows as notification_rows
from tests.povertyreview import scope_rows as review_rows
from tests.privacy import scope_rows as privacy_rows
from tests.reports import scope_rows as report_rows
from tests.scope import EDIT, LOGIN, NOT_EDITORS, OUT_OF_SCOPE, READ_ONLY_FORBIDDEN, Row
from tests.support import scope_rows as support_rows

ROLES = ["anonymous", *ROLE_USERS]


REVIEW_READ = {"anonymous": LOGIN, **OUT_OF_SCOPE}
REVIEW_READ_ONLY = {"tayninh_province": 403, "hcm_province": 403}
# Review actions: scope first (404), then the role (403): only the provincial viewer is refused.
REVIEW_EDIT = {"anonymous": LOGIN, **OUT_OF_SCOPE, "tayninh_province": 403}


def household(targets):
    return {"household_uuid": targets["household"].uuid}


def member(targets):
    return {"household_uuid": targets["household"].uuid, "membership_id": targets["membership"].pk}


def household_query(targets):
    return {"household": targets["household"].uuid}


def case(targets):
    return {"case_uuid": targets["case"].uuid}


# Allowance cases: reading follows scope; the officer's acts (verify, payment, documents, health
# card) need the registry role, the chair's (decide, refuse, suspend, …) the commune chair; scope
# is checked first (404), then the role (403).
CASE_READ = {"anonymous": LOGIN, **OUT_OF_SCOPE}
CASE_EDIT = {"anonymous": LOGIN, **OUT_OF_SCOPE, **READ_ONLY_FORBIDDEN}
CASE_DECISION = {
    "anonymous": LOGIN,
    **OUT_OF_SCOPE,
    "tandong_officer": 403,
    "tandong_committee": 403,
    "tayninh_province": 403,
    "admin": 403,
}


def run(targets):
    return {"run_id": targets["run"].pk}


# Payment runs: reading follows scope; preparing again is the officer's, approving the chair's,
# cancelling either's (the service decides by the run's status); scope first (404), then the role.
RUN_READ = {"anonymous": LOGIN, **OUT_OF_SCOPE}
RUN_DECISION = CASE_DECISION
RUN_EDIT = {"anonymous": LOGIN, **OUT_OF_SCOPE, **READ_ONLY_FORBIDDEN}
RUN_CANCEL = {"anonymous": LOGIN, **OUT_OF_SCOPE, "tandong_committee": 403, "tayninh_province": 403}


def campaign(targets):
    return {"campaign_id": targets["campaign"].pk}


def assessment(targets):
    return {"campaign_id": targets["campaign"].pk, "assessment_id": targets["assessment"].pk}


MATRIX: dict[str, Row] = {
    "core:home": Row(expect={"anonymous": LOGIN}),
    "core:formats": Row(expect={"anonymous": LOGIN}),
    # The user guide and its pictures (docs/huong-dan/): the same for every signed-in role.
    "core:guide": Row(expect={"anonymous": LOGIN}),
    "core:guide_page": Row(kwargs={"page": "cong-chuc"}, expect={"anonymous": LOGIN}),
    "core:guide_image": Row(kwargs={"filename": "cong-chuc-trang-chu.png"}, expect={"anonymous": LOGIN}),
    "healthz": Row(),  # public on purpose: load balancers and monitors call it
    "set_language": Row(method="post", default=302),  # public: the login page has the switch too
    "accounts:login": Row(expect=dict.fromkeys(ROLE_USERS, 302)),  # signed-in users go home
    "accounts:logout": Row(method="post", default=302),
    "accounts:password_change": Row(expect={"anonymous": LOGIN}),
    "accounts:password_change_done": Row(expect={"anonymous": LOGIN}),
    "geography:commune_list": Row(expect={"anonymous": LOGIN}),
    "geography:commune_detail": Row(kwargs={"code": TAN_DONG}, expect={"anonymous": LOGIN, **OUT_OF_SCOPE}),
    "geography:village_create": Row(
        kwargs={"code": TAN_DONG}, expect={"anonymous": LOGIN, **OUT_OF_SCOPE, **READ_ONLY_FORBIDDEN}
    ),
    "households:list": Row(expect={"anonymous": LOGIN}),
    "households:arrivals": Row(expect={"anonymous": LOGIN}),
    "households:export": Row(expect={"anonymous": LOGIN}, query={"format": "csv"}),
    "households:import": Row(expect={"anonymous": LOGIN, **NOT_EDITORS}),
    "households:register": Row(
        query={"commune": TAN_DONG}, expect={"anonymous": LOGIN, **NOT_EDITORS, "binhminh_officer": 404}
    ),
    # The registration form's code field for the chosen village (htmx), as the registration page.
    "households:register_code": Row(
        query={"commune": TAN_DONG}, expect={"anonymous": LOGIN, **NOT_EDITORS, "binhminh_officer": 404}
    ),
    # POST without a decision = "different people"; then back to the work list.
    "households:duplicate_resolve": Row(
        kwargs=lambda targets: {"flag_id": targets["flag"].pk}, method="post", default=302, expect=EDIT
    ),
    "households:detail": Row(kwargs=household, expect={"anonymous": LOGIN, **OUT_OF_SCOPE}),
    "households:edit": Row(kwargs=household, expect=EDIT),
    "households:change_head": Row(kwargs=household, expect=EDIT),
    "households:split": Row(kwargs=household, expect=EDIT),
    "households:transfer": Row(kwargs=household, expect=EDIT),
    "households:member_add": Row(kwargs=household, expect=EDIT),
    # Without htmx the member row answers with a redirect to the household page.
    "households:member_row": Row(kwargs=member, default=302, expect={"anonymous": LOGIN, **OUT_OF_SCOPE}),
    "households:member_move": Row(kwargs=member, expect=EDIT),
    "households:member_transfer": Row(kwargs=member, expect=EDIT),
    "households:record_death": Row(kwargs=member, expect=EDIT),
    # Poverty review: reading follows scope; acting needs a role that runs reviews (officer,
    # committee, chair, administrator); approving needs the chair.
    "povertyreview:list": Row(expect={"anonymous": LOGIN}),
    "povertyreview:open": Row(expect={"anonymous": LOGIN, **REVIEW_READ_ONLY}),
    "povertyreview:regular_open": Row(
        query=household_query, expect={"anonymous": LOGIN, **OUT_OF_SCOPE, "tayninh_province": 403}
    ),
    "povertyreview:results": Row(query={"commune": TAN_DONG}, expect={"anonymous": LOGIN, **OUT_OF_SCOPE}),
    "povertyreview:target": Row(query={"commune": TAN_DONG, "year": 2025}, expect=REVIEW_EDIT),
    "povertyreview:detail": Row(kwargs=campaign, expect=REVIEW_READ),
    "povertyreview:assessments": Row(kwargs=campaign, expect=REVIEW_READ),
    "povertyreview:survey": Row(kwargs=assessment, expect=REVIEW_READ),  # read-only for viewers
    "povertyreview:meetings": Row(kwargs=campaign, expect=REVIEW_READ),
    "povertyreview:complaints": Row(kwargs=campaign, expect=REVIEW_READ),
    "povertyreview:whatif": Row(kwargs=campaign, expect=REVIEW_READ),
    "povertyreview:advance": Row(kwargs=campaign, expect=REVIEW_EDIT),
    "povertyreview:household_add": Row(kwargs=campaign, expect=REVIEW_EDIT),
    "povertyreview:meeting_record": Row(
        kwargs=lambda targets: {"campaign_id": targets["campaign"].pk, "village_id": targets["village"].pk},
        expect=REVIEW_EDIT,
    ),
    "povertyreview:complaint_register": Row(kwargs=campaign, expect=REVIEW_EDIT),
    "povertyreview:complaint_resolve": Row(
        kwargs=lambda targets: {"campaign_id": targets["campaign"].pk, "complaint_id": targets["complaint"].pk},
        expect=REVIEW_EDIT,
    ),
    "povertyreview:approve": Row(
        kwargs=campaign,
        expect={**REVIEW_EDIT, "tandong_officer": 403, "tandong_committee": 403, "admin": 403},
    ),
    # Built in views_io.py / views_pdf.py: every role that reads the campaign gets the file;
    # importing is an act of the review.
    "povertyreview:export": Row(kwargs=lambda targets: {**campaign(targets), "fmt": "csv"}, expect=REVIEW_READ),
    "povertyreview:import": Row(kwargs=campaign, expect=REVIEW_EDIT),
    # The target campaign is still preparing: neither document exists yet (409, not 404: it is visible).
    "povertyreview:posting_pdf": Row(kwargs=campaign, default=409, expect=REVIEW_READ),
    "povertyreview:decision_pdf": Row(kwargs=campaign, default=409, expect=REVIEW_READ),
    # Social allowances. Filing starts from a member of a household (?person=): the role first (403),
    # then the person's commune (404).
    "beneficiaries:list": Row(expect={"anonymous": LOGIN}),
    "beneficiaries:file": Row(
        query=lambda targets: {"person": targets["membership"].person.uuid},
        expect={"anonymous": LOGIN, **NOT_EDITORS, "binhminh_officer": 404},
    ),
    "beneficiaries:monthly": Row(query={"commune": TAN_DONG}, expect=CASE_READ),
    "beneficiaries:detail": Row(kwargs=case, expect=CASE_READ),
    "beneficiaries:verify": Row(kwargs=case, expect=CASE_EDIT),
    "beneficiaries:payment": Row(kwargs=case, expect=CASE_EDIT),
    "beneficiaries:health_card": Row(kwargs=case, expect=CASE_EDIT),
    "beneficiaries:document": Row(kwargs=case, expect=CASE_EDIT),
    "beneficiaries:decide": Row(kwargs=case, expect=CASE_DECISION),
    "beneficiaries:refuse": Row(kwargs=case, expect=CASE_DECISION),
    "beneficiaries:suspend": Row(kwargs=case, expect=CASE_DECISION),
    "beneficiaries:resume": Row(kwargs=case, expect=CASE_DECISION),
    "beneficiaries:terminate": Row(kwargs=case, expect=CASE_DECISION),
    "beneficiaries:categories": Row(kwargs=allowance_rows.active_case, expect=allowance_rows.CASE_CHANGE),  # issue 14
    "beneficiaries:transfer": Row(kwargs=case, expect=CASE_DECISION),
    # Import and export (views_io.py): importing is the registry role's; the export holds only
    # the user's own cases.
    "beneficiaries:import": Row(expect={"anonymous": LOGIN, **NOT_EDITORS}),
    "beneficiaries:export": Row(query={"format": "csv"}, expect={"anonymous": LOGIN}),
    # Payment runs (disbursements): the runs list and the unpaid list are scoped lists; preparing
    # is the registry role's (the form offers only the user's communes).
    "disbursements:list": Row(expect={"anonymous": LOGIN}),
    "disbursements:prepare": Row(expect={"anonymous": LOGIN, **NOT_EDITORS}),
    "disbursements:unpaid": Row(expect={"anonymous": LOGIN}),
    "disbursements:detail": Row(kwargs=run, expect=RUN_READ),
    "disbursements:progress": Row(kwargs=run, expect=RUN_READ),
    "disbursements:approve": Row(kwargs=run, expect=RUN_DECISION),
    "disbursements:reprepare": Row(kwargs=run, expect=RUN_EDIT),
    "disbursements:cancel": Row(kwargs=run, expect=RUN_CANCEL),
    # Files for the payer and the payer's report (views_io.py): the officer's; downloads are GETs
    # that never change the run and exist only once the run is sent to the payer (issue 14): the
    # target run is computed, not sent, so its files are refused with 409 (visible, not available)
    # with nothing recorded, and a bank it does not pay into is 404.
    "disbursements:export": Row(kwargs=lambda targets: {**run(targets), "fmt": "csv"}, default=409, expect=RUN_EDIT),
    "disbursements:bank_files": Row(kwargs=run, default=409, expect=RUN_EDIT),
    "disbursements:bank_file": Row(
        kwargs=lambda targets: {**run(targets), "bin": "970436"}, default=404, expect=RUN_EDIT
    ),
    "disbursements:cash_pdf": Row(kwargs=run, default=409, expect=RUN_EDIT),
    "disbursements:pain001": Row(kwargs=run, default=409, expect=RUN_EDIT),
    "disbursements:reconcile": Row(kwargs=run, expect=RUN_EDIT),
    # Django's admin has its own permission system: only the administrator (is_staff) enters.
    "admin:index": Row(default=302, expect={"admin": 200}),
}
# Apps added after the first five keep their rows beside their own tests.
APP_ROWS = (
    registry_rows, allowance_rows, payment_rows, support_rows, notification_rows, report_rows, review_rows, privacy_rows,
    api_rows,
)  # fmt: skip
for app in APP_ROWS:
    assert not set(app.ROWS) & set(MATRIX), f"{app.__name__} repeats a URL"
    MATRIX.update(app.ROWS)


def named_url_patterns(patterns=None, namespace: str | None = None) -> set[str]:
    names: set[str] = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                names.add("admin:index")  # the admin's own pages are Django's, checked as one door
                continue
            inner = pattern.namespace if namespace is None else f"{namespace}:{pattern.namespace}"
            names |= named_url_patterns(pattern.url_patterns, inner if pattern.namespace else namespace)
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"URL pattern {pattern.pattern} has no name; name it and add it to MATRIX"
            names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


def test_every_url_pattern_has_a_row_in_the_matrix():
    missing = named_url_patterns() - set(MATRIX)
    assert not missing, f"URL patterns without a scope row: {sorted(missing)}"
    stale = set(MATRIX) - named_url_patterns()
    assert not stale, f"Scope rows for URLs that no longer exist: {sorted(stale)}"


@pytest.fixture(scope="module")
def matrix_world(django_db_setup, django_db_blocker):
    """The units, users and target objects, built once for the whole matrix (about 1,100 tests) in a
    transaction of this module: each test runs in a savepoint inside it, so what a request changes
    (a chair's approval that succeeds, say) is rolled back before the next one."""
    with django_db_blocker.unblock(), transaction.atomic():
        units = make_units()
        users = make_users(units)
        yield units, users, make_targets(units, users)
        transaction.set_rollback(True)


@pytest.fixture
def units(matrix_world, db):
    return matrix_world[0]


@pytest.fixture
def users(matrix_world, db):
    return matrix_world[1]


@pytest.fixture
def targets(matrix_world, db):
    return matrix_world[2]


def make_targets(units, users) -> dict:
    """A household of Tân Đông with two members: the object every household URL points at; its
    annual review of 2025 (with the household listed and a complaint about it) for the review URLs;
    then each app's own targets (``tests/<app>/scope_rows.py``)."""
    found = make_household(units.tan_dong, units.tan_dong_village, code="TD-SCOPE", members=(
        ("Nguyễn Văn An", "M", date(1970, 1, 1), "head"), ("Trần Thị Bình", "F", date(1972, 3, 4), "spouse"),
    ))  # fmt: skip
    spouse = found.memberships.get(relationship="spouse")
    flag = DuplicateFlag.objects.create(person=spouse.person, existing=found.head, commune=units.tan_dong)
    load_standards()
    review = Campaign.objects.create(
        commune=units.tan_dong, year=2025, standard=ReviewPeriod.objects.get(year=2025).standard
    )
    listed = Assessment.objects.create(
        campaign=review, household=found, village=units.tan_dong_village, area=found.area, listed_reason="on_list"
    )
    complaint = Complaint.objects.create(
        campaign=review, assessment=listed, complainant="Nguyễn Văn An", received_on=date(2025, 11, 1),
        content="…", deadline=date(2025, 11, 11), registered_by=users["tandong_officer"],
    )  # fmt: skip
    allowance = allowance_services.case_apply(
        person=found.head, commune=units.tan_dong, categories=[CategoryChoice("5.5a")], applied_on=date(2025, 11, 1),
        payment=PaymentDetails(method="cash"), acting_user=users["tandong_officer"],
    )  # fmt: skip
    payment_run = Run.objects.create(
        commune=units.tan_dong,
        month=date(2025, 11, 1),
        status=Run.Status.COMPUTED,
        prepared_by=users["tandong_officer"],
    )
    targets = {
        "run": payment_run,
        "case": allowance,
        "household": found,
        "membership": spouse,
        "flag": flag,
        "campaign": review,
        "assessment": listed,
        "complaint": complaint,
        "village": units.tan_dong_village,
    }
    for app in APP_ROWS:
        app.add_targets(targets, units=units, users=users)
    return targets


@pytest.mark.parametrize("url_name", sorted(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_status_for_each_role(url_name, role, client_for, targets):
    row = MATRIX[url_name]
    client = client_for(role)
    url = reverse(url_name, kwargs=row.kwargs(targets) if callable(row.kwargs) else row.kwargs)
    query = row.query(targets) if callable(row.query) else row.query
    data = {"language": "vi"} if url_name == "set_language" else query
    if row.method == "post" and query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    response = getattr(client, row.method)(url, data)
    expected = row.expect.get(role, row.default)
    assert response.status_code == expected, f"{role} {row.method.upper()} {url}"


@pytest.mark.parametrize("role", [r for r in ROLE_USERS if r != "admin"])
def test_a_commune_code_that_does_not_exist_is_404_like_out_of_scope(role, client_for):
    response = client_for(role).get(reverse("geography:commune_detail", kwargs={"code": "99999"}))
    assert response.status_code == 404


# --- system clients: each API URL with each scope ------------------------------------------------
# A client of Tân Đông with a commune officer's role reads and writes exactly what the Tân Đông
# officer's session does, when its token holds the URL's scope (``api.permissions.scope_for``); with
# every scope but that one, 403 before anything else.
API_VIEWS = {
    f"api:{url.name}": url.callback.view_class for url in api_urls.urlpatterns if hasattr(url.callback, "view_class")
}
TOKEN_ROWS = {
    name: row for name, row in MATRIX.items() if name in API_VIEWS and scope_for(row.method.upper(), API_VIEWS[name])
}


def _token_client(units, users, scopes: list[str], name: str) -> Client:
    client, _secret = client_create(
        name=name, role=Role.COMMUNE_OFFICER, scopes=scopes, communes=[units.tan_dong], acting_user=users["admin"]
    )
    token = AccessToken.objects.create(
        user=client.account, application=client.application, token=f"matrix-{client.pk}", scope=" ".join(scopes),
        expires=timezone.now() + timedelta(hours=1),
    )  # fmt: skip
    return Client(headers={"Authorization": f"Bearer {token.token}"})


@pytest.mark.parametrize("url_name", sorted(TOKEN_ROWS))
@pytest.mark.parametrize("holds_scope", [True, False], ids=["with its scope", "with every other scope"])
def test_status_for_each_client_scope(url_name, holds_scope, units, users, targets):
    row = TOKEN_ROWS[url_name]
    url = reverse(url_name, kwargs=row.kwargs(targets) if callable(row.kwargs) else row.kwargs)
    needed = scope_for(row.method.upper(), API_VIEWS[url_name])
    scopes = [needed] if holds_scope else [scope for scope in SCOPES if scope != needed]
    client = _token_client(units, users, scopes, name=f"Matrix {url_name} {holds_scope}")
    query = row.query(targets) if callable(row.query) else row.query
    post = row.method == "post"
    response = client.post(url, {}, content_type="application/json") if post else client.get(url, query)
    expected = row.expect.get("tandong_officer", row.default) if holds_scope else 403
    if holds_scope and row.method == "post":
        expected = {415: 400}.get(expected, expected)  # a JSON body, empty: the form's 415 is a 400 here
    assert response.status_code == expected, f"{needed} {row.method.upper()} {url}: {response.content[:300]}"
