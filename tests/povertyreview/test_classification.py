"""The classification rule of both shipped standards, checked against tables written here from
rules.md §3 and legal-reference.md §1–2 (never against ``classify`` itself)."""

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from povertyreview.classification import rules_for
from povertyreview.standard_data import STANDARD_2022, STANDARD_2027

INDICATORS_2022 = [
    "employment", "dependants", "nutrition", "health_insurance", "adult_education", "school_attendance",
    "housing_quality", "housing_area", "water", "latrine", "telecom", "information_assets",
]  # fmt: skip
INDICATORS_2027 = [code for code in INDICATORS_2022 if code != "information_assets"] + ["waste_treatment"]
INDICATORS = {STANDARD_2022: INDICATORS_2022, STANDARD_2027: INDICATORS_2027}

# (standard, area) -> income bands, lowest first: (highest income of the band, class with 3 or more
# deprivations, class with fewer). The last band of each is open-ended.
BANDS = {
    (STANDARD_2022, "rural"): [(1_500_000, "poor", "near_poor"), (2_250_000, "middle_income", "middle_income")],
    (STANDARD_2022, "urban"): [(2_000_000, "poor", "near_poor"), (3_000_000, "middle_income", "middle_income")],
    (STANDARD_2027, "rural"): [(2_200_000, "poor", "near_poor")],
    (STANDARD_2027, "urban"): [(2_800_000, "poor", "near_poor")],
}
ABOVE_EVERY_BAND = "none"

# Every edge of every band, and one đồng on each side of it.
EDGES = sorted({edge + step for bands in BANDS.values() for edge, *_ in bands for step in (-1, 0, 1)})


def expected_class(standard_code: str, area: str, income: int, deprived) -> str:
    deprivations = len(set(deprived) & set(INDICATORS[standard_code]))
    for highest, with_three, with_fewer in BANDS[(standard_code, area)]:
        if income <= highest:
            return with_three if deprivations >= 3 else with_fewer
    return ABOVE_EVERY_BAND


@pytest.fixture
def rules(db):
    from povertyreview.models import PovertyStandard

    return {standard.code: rules_for(standard) for standard in PovertyStandard.objects.all()}


@pytest.mark.parametrize(
    ("standard_code", "area", "income", "deprivations", "expected"),
    [
        # 2022–2025, rural: line 1,500,000, band up to 2,250,000
        (STANDARD_2022, "rural", 0, 0, "near_poor"),
        (STANDARD_2022, "rural", 1_500_000, 3, "poor"),
        (STANDARD_2022, "rural", 1_500_000, 2, "near_poor"),
        (STANDARD_2022, "rural", 1_500_001, 3, "middle_income"),
        (STANDARD_2022, "rural", 1_500_001, 12, "middle_income"),
        (STANDARD_2022, "rural", 2_250_000, 0, "middle_income"),
        (STANDARD_2022, "rural", 2_250_001, 5, "none"),
        # 2022–2025, urban: line 2,000,000, band up to 3,000,000
        (STANDARD_2022, "urban", 2_000_000, 3, "poor"),
        (STANDARD_2022, "urban", 2_000_000, 2, "near_poor"),
        (STANDARD_2022, "urban", 2_000_001, 3, "middle_income"),
        (STANDARD_2022, "urban", 3_000_000, 3, "middle_income"),
        (STANDARD_2022, "urban", 3_000_001, 3, "none"),
        # 2027–2030: lines 2,200,000 / 2,800,000, no band
        (STANDARD_2027, "rural", 2_200_000, 3, "poor"),
        (STANDARD_2027, "rural", 2_200_000, 2, "near_poor"),
        (STANDARD_2027, "rural", 2_200_001, 3, "none"),
        (STANDARD_2027, "urban", 2_800_000, 3, "poor"),
        (STANDARD_2027, "urban", 2_800_000, 2, "near_poor"),
        (STANDARD_2027, "urban", 2_800_001, 0, "none"),
    ],
)
def test_every_boundary_of_both_standards(rules, standard_code, area, income, deprivations, expected):
    deprived = INDICATORS[standard_code][:deprivations]

    assert rules[standard_code].classify(area, income, deprived) == expected


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    standard_code=st.sampled_from([STANDARD_2022, STANDARD_2027]),
    area=st.sampled_from(["rural", "urban"]),
    income=st.one_of(st.sampled_from(EDGES), st.integers(min_value=0, max_value=6_000_000)),
    deprived=st.sets(st.sampled_from(sorted(set(INDICATORS_2022) | set(INDICATORS_2027) | {"unknown"}))),
)
@example(standard_code=STANDARD_2022, area="rural", income=1_500_000, deprived={"water", "latrine", "waste_treatment"})
@example(
    standard_code=STANDARD_2027, area="rural", income=1_000_000, deprived={"water", "latrine", "information_assets"}
)
def test_classification_matches_the_table(rules, standard_code, area, income, deprived):
    assert rules[standard_code].classify(area, income, deprived) == expected_class(
        standard_code, area, income, deprived
    )


def test_the_shipped_income_lines_are_those_of_the_decrees(rules):
    lines = {
        (code, area): (rule.poverty_line, rule.middle_income_ceiling)
        for code, standard in rules.items()
        for area, rule in standard.areas.items()
    }

    assert lines == {
        (STANDARD_2022, "rural"): (1_500_000, 2_250_000),
        (STANDARD_2022, "urban"): (2_000_000, 3_000_000),
        (STANDARD_2027, "rural"): (2_200_000, None),
        (STANDARD_2027, "urban"): (2_800_000, None),
    }
    assert list(rules[STANDARD_2022].indicators) == INDICATORS_2022
    assert list(rules[STANDARD_2027].indicators) == INDICATORS_2027


def test_counted_keeps_the_standards_order_and_ignores_other_standards_indicators(rules):
    assert rules[STANDARD_2022].counted(["waste_treatment", "telecom", "employment", "unknown"]) == [
        "employment",
        "telecom",
    ]
    assert rules[STANDARD_2027].counted(["waste_treatment", "information_assets", "water", "water"]) == [
        "water",
        "waste_treatment",
    ]
    # Three codes, but only two of this standard: near-poor, not poor.
    assert rules[STANDARD_2027].classify("rural", 1_000_000, ["water", "latrine", "information_assets"]) == "near_poor"


@pytest.mark.parametrize(
    ("standard_code", "area", "income", "deprived", "explanation"),
    [
        (
            STANDARD_2022, "rural", 1_350_000, ["latrine", "health_insurance", "water", "telecom"],
            "income 1,350,000 ≤ 1,500,000 rural line; deprived on 4: Health insurance, Domestic water source, "
            "Hygienic latrine, Use of telecom services",
        ),
        (
            STANDARD_2022, "urban", 2_000_000, [],
            "income 2,000,000 ≤ 2,000,000 urban line; no deprivation",
        ),
        (
            STANDARD_2022, "rural", 2_250_000, ["employment"],
            "income 2,250,000 > 1,500,000 rural line; within the middle-income band (≤ 2,250,000); "
            "deprived on 1: Employment",
        ),
        (
            STANDARD_2022, "urban", 3_000_001, ["waste_treatment"],
            "income 3,000,001 > 2,000,000 urban line; above the middle-income band (> 3,000,000); no deprivation",
        ),
        (
            STANDARD_2027, "rural", 2_200_001, ["telecom", "waste_treatment"],
            "income 2,200,001 > 2,200,000 rural line; deprived on 2: Use of digital and internet services, "
            "Domestic waste treatment",
        ),
    ],
)  # fmt: skip
def test_explain_in_english(rules, standard_code, area, income, deprived, explanation):
    assert rules[standard_code].explain(area, income, deprived) == explanation


def test_rules_are_read_in_two_queries_and_classify_without_the_database(standard_2022, django_assert_num_queries):
    with django_assert_num_queries(2):
        rules = rules_for(standard_2022)

    with django_assert_num_queries(0):
        classes = [rules.classify("rural", income, ["water"] * 3) for income in range(0, 3_000_000, 1_000)]

    assert len(classes) == 3_000
