"""The Vietnamese catalogue keeps the README's glossary (section "Words chosen for the Vietnamese
interface"): read from the compiled catalogue that the product serves, no message holds an avoided
term, every chosen term is used, a workflow's status is "trạng thái" and only the poverty
classification is "phân loại", the chair recognises (công nhận) a review's result, and no message
holds an identifier copied from the code."""

import re
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.utils import translation

from beneficiaries import category_labels
from beneficiaries.rule_data import CATEGORIES
from disbursements import importing as payer_report
from disbursements.models import Run
from povertyreview.models import Campaign

README = Path(settings.BASE_DIR) / "README.md"
CATALOGUE = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES" / "django.mo"
QUOTED = re.compile(r"“([^”]+)”")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sd]|\{\w*\}")
SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")


def catalogue() -> list[tuple[str | None, str, str]]:
    """(context, msgid, msgstr) of every message, each plural form as a message of its own."""
    found = []
    for entry in polib.mofile(str(CATALOGUE)):
        texts = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        found += [(entry.msgctxt, entry.msgid, text) for text in texts]
    return found


def glossary() -> list[tuple[str, list[str], list[str]]]:
    """The README's table of chosen words: (English, chosen terms, avoided terms), the terms being
    those written between “ ”."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### Words chosen for the Vietnamese interface", 1)[1]
    table = section[section.index("| English | chosen Vietnamese | avoided |") :].split("\n\n", 1)[0]
    rows = []
    for line in table.splitlines()[2:]:
        english, chosen, avoided = (cell.strip() for cell in line.strip().strip("|").split("|"))
        rows.append((english, QUOTED.findall(chosen), QUOTED.findall(avoided)))
    return rows


def uses(text: str, term: str) -> bool:
    """The term as a word or words (so that "bạn" is not found in "bạnh", nor "chết" in "chết…" parts
    of other words), compared case-insensitively."""
    return re.search(rf"(?<!\w){re.escape(term.casefold())}(?!\w)", text.casefold()) is not None


def test_the_glossary_is_read_from_the_readme():
    rows = glossary()
    assert len(rows) == 15
    assert ("resume a suspended allowance", ["tiếp tục chi trả"], ["chi trả lại"]) in rows
    assert ("household registry", ["dữ liệu hộ gia đình"], ["sổ hộ"]) in rows


@pytest.mark.parametrize(("english", "chosen", "avoided"), glossary(), ids=[row[0] for row in glossary()])
def test_no_message_holds_an_avoided_term_and_each_chosen_term_is_used(english, chosen, avoided):
    messages = catalogue()
    for term in avoided:
        offending = [msgid for _context, msgid, text in messages if uses(text, term)]
        assert offending == [], f"“{term}” ({english}) is still in: {offending[:5]}"
    for term in chosen:
        assert any(uses(text, term) for _context, _msgid, text in messages), f"“{term}” ({english}) is never used"


def test_cccd_is_only_the_card_named_beside_the_personal_identification_number():
    messages = catalogue()
    for _context, msgid, text in messages:
        assert text.replace("(CCCD)", "").count("CCCD") == 0, msgid
        assert all(rest.startswith(" cá nhân") for rest in text.split("định danh")[1:]), msgid
    assert ("Số định danh cá nhân (CCCD)") in [text for _c, msgid, text in messages if msgid == "National ID (CCCD)"]


def test_a_workflow_status_is_trang_thai_and_only_the_poverty_classification_is_phan_loai():
    with translation.override("vi"):
        labels = {
            model._meta.label: str(model._meta.get_field("status").verbose_name)
            for model in apps.get_models()
            if Path(apps.get_app_config(model._meta.app_label).path).parent == Path(settings.BASE_DIR)  # ours
            and any(field.name == "status" for field in model._meta.fields)
            and model._meta.get_field("status").verbose_name != "status"  # a field without a label of its own
            and not model._meta.label.split(".")[1].startswith("Historical")
        }
    assert labels.pop("households.HouseholdYearStatus") == "phân loại"
    assert set(labels) >= {
        "beneficiaries.Case", "beneficiaries.ImportBatch", "beneficiaries.ChangeRequest", "disbursements.Run",
        "disbursements.RunLine", "povertyreview.Campaign", "povertyreview.Complaint", "notifications.Message",
        "support.Distribution", "support.Record", "households.Transfer", "reports.ExportJob",
    }  # fmt: skip
    assert set(labels.values()) == {"trạng thái"}, labels
    # Each has its own entry: a context per model, none shared with the classification.
    contexts = {context for context, msgid, _text in catalogue() if msgid == "status" and context}
    assert len(contexts) >= 13 and "poverty classification" in contexts


def test_the_chair_recognises_a_review_and_approves_a_run():
    with translation.override("vi"):
        assert str(Campaign.Status.AWAITING_APPROVAL.label) == "Chờ Chủ tịch công nhận"
        assert str(Campaign.Status.APPROVED.label) == "Đã công nhận"
        assert str(Run.Status.APPROVED.label) == "Đã phê duyệt"
    about_a_review_only = [
        msgid
        for context, msgid, text in catalogue()
        if (context == "poverty review" or re.search(r"\breview", msgid, re.IGNORECASE))
        and not re.search(r"\bruns?\b", msgid)
        and "phê duyệt" in text.casefold()
    ]
    assert about_a_review_only == []


def test_no_message_holds_an_identifier_copied_from_the_code():
    """snake_case words are code. The only ones allowed are the columns of the payer's report, a
    machine file the bank writes with English headers (disbursements.importing.COLUMNS)."""
    allowed = set(payer_report.COLUMNS)
    found = {
        msgid: words
        for _context, msgid, text in catalogue()
        if (words := set(SNAKE_CASE.findall(PLACEHOLDER.sub("", text))) - allowed)
    }
    assert found == {}


def test_every_category_and_clause_reads_in_the_decree_s_words():
    codes = [row[0] for row in CATEGORIES]
    assert set(category_labels.LABELS) == set(codes)
    with translation.override("vi"):
        assert category_labels.short_label("5.6es") == "Người khuyết tật đặc biệt nặng (k.6 Đ.5)"
        assert category_labels.short_label("5.5a") == (
            "Người cao tuổi thuộc hộ nghèo không có người phụng dưỡng (điểm a k.5 Đ.5)"
        )
        assert category_labels.full_label("5.6es").endswith("(khoản 6 Điều 5 Nghị định 20/2021/NĐ-CP)")
        assert category_labels.clause_label("5.5") == "Người cao tuổi (k.5 Đ.5)"
        assert category_labels.short_label("9.9") == "9.9"  # an administrator's new code reads as itself
        for code in codes:
            for text in (category_labels.short_label(code), category_labels.full_label(code)):
                assert code not in text and "Art." not in text and "cl." not in text, text
        assert {category_labels.clause_label(code.rstrip("abcdes")) for code in codes} == {
            category_labels.clause_label(clause) for clause in category_labels.CLAUSES
        }
