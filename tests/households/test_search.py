"""The one search box: folded names as typed, codes in any case, identifiers, always within scope.

The rule of a name search is "the folded query is a substring of the household's search_text"; a
property test holds the search to that rule.
"""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.text import fold_vietnamese
from households.models import Household, Person
from households.selectors import household_list_for_user
from households.services import member_edit, member_move, person_data_from
from tests.households.factories import make_household

RELATIONSHIPS = ("head", "spouse", "child")
TAN_DONG_HOUSEHOLDS = {
    "TD-0100": ("Nguyễn Thị Hiếu Trang", "Lê Văn Tám", "Lê Thị Mai"),
    "TD-0200": ("Nguyễn Văn Hiếu",),
    "TD-0300": ("Trần Thị Thiều",),
}
BINH_MINH_HOUSEHOLD = ("BM-0001", ("Nguyễn Thị Hiếu Trang",))


def members(names):
    return tuple(
        (name, "F" if " Thị " in name else "M", date(1970 + number * 20, 1, 1), relationship)
        for number, (name, relationship) in enumerate(zip(names, RELATIONSHIPS, strict=False))
    )


@pytest.fixture
def registry(units):
    """Three households in Tân Đông and a namesake of the first one in Bình Minh."""
    households = {
        code: make_household(units.tan_dong, units.tan_dong_village, code=code, members=members(names))
        for code, names in TAN_DONG_HOUSEHOLDS.items()
    }
    code, names = BINH_MINH_HOUSEHOLD
    households[code] = make_household(units.binh_minh, units.binh_minh_village, code=code, members=members(names))
    return households


def found(user, query: str) -> list[str]:
    return list(household_list_for_user(user, search=query).values_list("code", flat=True))


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("nguyen thi hieu trang", ["TD-0100"]),
        ("Nguyễn Thị Hiếu Trang", ["TD-0100"]),
        ("  NGUYEN   thi HIEU ", ["TD-0100"]),
        ("nguyen thi hieu tr", ["TD-0100"]),  # the last word as far as typed
        ("guyen thi hieu", ["TD-0100"]),  # the first word cut at its start, as the substring rule allows
        ("hieu", ["TD-0100", "TD-0200", "TD-0300"]),  # one word is found inside words too: Thiều
        ("van hieu", ["TD-0200"]),
        ("lê văn tám", ["TD-0100"]),
        ("td-0200", ["TD-0200"]),  # a household code, in any case
        ("nguyen hieu", []),  # both words are there, but not one after the other
        ("nguyen thi hoa", []),  # a word that is not there
        ("hi%u", []),  # LIKE's wildcards are plain characters
        ("h_eu", []),
    ],
)
def test_search_finds_exactly(registry, users, query, codes):
    assert found(users["tandong_officer"], query) == codes


def test_another_communes_household_is_never_found(registry, users):
    assert found(users["tandong_officer"], "nguyen thi hieu trang") == ["TD-0100"]
    assert found(users["binhminh_officer"], "nguyen thi hieu trang") == ["BM-0001"]
    assert found(users["binhminh_officer"], "td-0100") == []
    assert found(users["hcm_province"], "nguyen thi hieu trang") == []
    # The provincial viewer sees both communes: Bình Minh (25480) sorts before Tân Đông (25522).
    assert found(users["tayninh_province"], "nguyen thi hieu trang") == ["BM-0001", "TD-0100"]


def test_search_by_national_id_and_phone(registry, users):
    head = registry["TD-0200"].head
    Person.objects.filter(pk=head.pk).update(phone="+84912345678")
    officer = users["tandong_officer"]

    assert found(officer, head.national_id) == ["TD-0200"]
    assert found(officer, "0912 345 678") == ["TD-0200"]
    assert found(users["binhminh_officer"], head.national_id) == []


def test_search_follows_renames_and_moves(registry, users):
    officer = users["tandong_officer"]
    head = registry["TD-0200"].head
    child = registry["TD-0100"].memberships.get(relationship="child")

    member_edit(person=head, data=person_data_from(head, full_name="Nguyễn Văn Hiền"), acting_user=officer)
    member_move(membership=child, to_household=registry["TD-0300"], relationship="grandchild",
                moved_on=date(2025, 3, 1), reason="về ở với bà", acting_user=officer)  # fmt: skip

    assert found(officer, "van hieu") == []
    assert found(officer, "van hien") == ["TD-0200"]
    assert found(officer, "le thi mai") == ["TD-0300"]


def test_the_search_page_runs_the_queries_of_the_plain_list(registry, client_for):
    client = client_for("tandong_officer")
    url = reverse("households:list")
    client.get(url)  # the first request of a session writes it once

    with CaptureQueriesContext(connection) as plain:
        client.get(url)
    with CaptureQueriesContext(connection) as search:
        page = client.get(url, {"q": "nguyen thi hieu"}).content.decode()

    # 9 each, and the access-log row of the page (a page view, or a search with its query) = 10.
    assert (len(plain), len(search)) == (10, 10)
    assert ("TD-0100" in page, "TD-0200" in page, "BM-0001" in page) == (True, False, False)


def test_the_code_arm_of_the_search_can_read_an_index(registry):
    """The name arm reads household_search_trgm; with the code arm (code__iexact) unindexed, the OR of
    the two could not use any index and PostgreSQL would filter every household of the commune."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # can it, not does it on a table this small

    plan = Household.objects.filter(code__iexact="td-0100").explain()

    assert "household_code_upper" in plan


SYLLABLES = ["Nguyễn", "Thị", "Hiếu", "Trang", "Lê", "Văn", "Tám", "Mai", "Trần", "Thiều", "Hoa", "ngu", "iếu", "hi"]
SEARCH_TEXTS = [" ".join(sorted(fold_vietnamese(name) for name in names)) for names in TAN_DONG_HOUSEHOLDS.values()]
# What someone types: a piece of a household's names (maybe cut mid-word), words, or a code.
TYPED = st.one_of(
    st.builds(
        lambda text, start, length: text[start : start + length],
        st.sampled_from(SEARCH_TEXTS),
        st.integers(0, 40),
        st.integers(1, 25),
    ),
    st.lists(st.sampled_from(SYLLABLES), min_size=1, max_size=4).map(" ".join),
    st.sampled_from([*TAN_DONG_HOUSEHOLDS, BINH_MINH_HOUSEHOLD[0]]).map(str.lower),
).filter(str.strip)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=TYPED)
def test_search_is_the_substring_rule(registry, users, query):
    tan_dong = Household.objects.filter(commune=registry["TD-0100"].commune)
    expected = sorted(
        (
            code
            for code, search_text in tan_dong.values_list("code", "search_text")
            if fold_vietnamese(query) in search_text or code.upper() == query.strip().upper()
        ),
        key=lambda code: (reference_rank(code, query), code),
    )

    assert found(users["tandong_officer"], query) == expected


def reference_rank(code: str, query: str) -> int:
    """The ranking rule (``households.selectors.search_rank``) written out for the test's households."""
    name = fold_vietnamese(query)
    head, *others = (fold_vietnamese(member) for member in TAN_DONG_HOUSEHOLDS[code])

    def from_word_start(member: str) -> bool:
        return member.startswith(name) or f" {name}" in member

    if code.upper() == query.strip().upper() or head == name:
        return 0
    if from_word_start(head):
        return 1
    if name in others:
        return 2
    if any(from_word_start(member) for member in others):
        return 3
    return 4


# --- Ranking: the nearest matches first, and the member who matched ---------------------------

# code -> members (name, sex, born, relationship); codes deliberately in another order than the ranks.
RANKED_HOUSEHOLDS = {
    "TD-0001": (("Trần Thị Bình", "F", date(1968, 3, 1), "head"), ("Nguyễn Văn An", "M", date(1995, 6, 2), "child")),
    "TD-0002": (("Nguyễn Văn Anh", "M", date(1971, 1, 1), "head"),),
    "TD-0003": (
        ("Lê Thị Hoa", "F", date(1975, 1, 1), "head"),
        ("Nguyễn Văn Anh Tuấn", "M", date(1973, 2, 3), "spouse"),
    ),
    "TD-0004": (("Nguyễn Văn An", "M", date(1960, 1, 1), "head"),),
    "TD-0005": (("Phạm Văn Nam", "M", date(1980, 1, 1), "head"),),
    "TD-0006": (("Nguyen Van An", "M", date(1990, 1, 1), "head"),),
}


@pytest.fixture
def ranked(units):
    households = {
        code: make_household(units.tan_dong, units.tan_dong_village, code=code, members=members)
        for code, members in RANKED_HOUSEHOLDS.items()
    }
    households["BM-0001"] = make_household(
        units.binh_minh, units.binh_minh_village, code="BM-0001",
        members=(("Nguyễn Văn An", "M", date(1985, 1, 1), "head"),),
    )  # fmt: skip
    return households


def test_exact_head_first_then_the_head_s_name_then_a_member_exactly_then_from_a_word_start(ranked, users):
    officer = users["tandong_officer"]

    # The head exactly (diacritics aside: TD-0006 is written without them), by code; the head's name
    # from a word start (Nguyễn Văn Anh); a member exactly (the son of Trần Thị Bình); a member's name
    # from a word start (Nguyễn Văn Anh Tuấn). Phạm Văn Nam is not found.
    assert found(officer, "Nguyễn Văn An") == ["TD-0004", "TD-0006", "TD-0002", "TD-0001", "TD-0003"]
    assert found(officer, "nguyen van an") == ["TD-0004", "TD-0006", "TD-0002", "TD-0001", "TD-0003"]
    # Two words: every head holding them from a word start ranks before the members; then by code.
    assert found(officer, "nguyen van") == ["TD-0002", "TD-0004", "TD-0006", "TD-0001", "TD-0003"]
    # A code is an exact match; the search by a code finds that household only.
    assert found(officer, "td-0003") == ["TD-0003"]


def test_the_list_names_the_member_who_matched_when_it_is_not_the_head(ranked, client_for):
    page = client_for("tandong_officer").get(reverse("households:list"), {"q": "nguyen van an"}).content.decode()

    assert re.findall(r">(TD-\d{4})</a>", page) == ["TD-0004", "TD-0006", "TD-0002", "TD-0001", "TD-0003"]
    assert re.findall(r'data-testid="matched-member">([^<]*)<', page) == [
        "Tìm thấy: Nguyễn Văn An (con, sinh năm 1995)",
        "Tìm thấy: Nguyễn Văn Anh Tuấn (vợ/chồng, sinh năm 1973)",
    ]
    row_of_binh = page.split(">TD-0001</a>")[1].split("</tr>")[0]
    assert "Trần Thị Bình" in row_of_binh and "Nguyễn Văn An (con" in row_of_binh


def test_the_access_log_names_the_heads_and_the_members_shown(ranked, client_for):
    from privacy.models import AccessRecord

    client_for("tandong_officer").get(reverse("households:list"), {"q": "nguyen van an"})

    record = AccessRecord.objects.get()
    son = ranked["TD-0001"].memberships.get(relationship="child").person_id
    husband = ranked["TD-0003"].memberships.get(relationship="spouse").person_id
    heads = [ranked[code].head_id for code in ("TD-0004", "TD-0006", "TD-0002", "TD-0001", "TD-0003")]
    assert sorted(record.person_ids) == sorted([*heads, son, husband])
    assert (record.count, record.filters) == (5, {"q": "nguyen van an"})


def test_a_ranked_search_runs_in_the_queries_of_the_plain_list(ranked, client_for, django_assert_num_queries):
    client = client_for("tandong_officer")
    client.get(reverse("households:list"))  # the first request of a session writes it once
    # session, user, commune codes, communes and villages, the ranked page (with its matched
    # members), statuses of the page, the access-log row, the sliding session save (3) = 10.
    with django_assert_num_queries(10):
        client.get(reverse("households:list"), {"q": "nguyen van an"})


def test_a_search_of_another_commune_s_names_finds_nothing(ranked, users, client_for):
    assert found(users["binhminh_officer"], "nguyen van an") == ["BM-0001"]
    assert found(users["binhminh_officer"], "tran thi binh") == []
    assert found(users["binhminh_officer"], "nguyen van anh tuan") == []
    page = client_for("binhminh_officer").get(reverse("households:list"), {"q": "nguyen van anh"}).content.decode()
    assert "TD-0002" not in page and "Nguyễn Văn Anh Tuấn" not in page and 'data-testid="matched-member"' not in page
