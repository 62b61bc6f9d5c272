"""Bank accounts encrypted at rest (issue 15, item 4): no table holds a plaintext account, Python
reads the plaintext, rotation re-encrypts under the newest key while older keys still read, a wrong
key is a clear error, and accounts are found by their keyed hash."""

import re
from datetime import date

import pytest
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from accounts.models import User
from beneficiaries import changes, services
from beneficiaries.batches import import_batch_confirm
from beneficiaries.exporting import export_rows
from beneficiaries.models import Case, ChangeRequest, ImportBatch, ImportBatchLine
from beneficiaries.selectors import cases_paid_to
from beneficiaries.services import CategoryChoice, PaymentDetails
from demo.accounts import load_demo
from disbursements.models import RunLine
from disbursements.selectors import lines_paid_to
from privacy.encryption import PersonalDataKeyError, blind_index, decrypt, encrypt
from privacy.rotation import Column, encrypt_existing
from tests.beneficiaries.conftest import chair, family, officer  # noqa: F401 (fixtures)
from tests.test_settings_and_commands import PRODUCTION_ENV, manage

NEW_KEY = "bmV3LWtleS1vZi10aGUtY29tbXVuZS0zMi1ieXRlcyE"  # 32 bytes, base64url
WRONG_KEY = "d3Jvbmcta2V5LW9mLXRoZS1jb21tdW5lLTMyYnl0ZSE"
ACCOUNT = "0123456789"
BANK = PaymentDetails(method="bank", bank_bin="970436", account_number=ACCOUNT, account_name="NGUYEN THI HOA")
NEW_ACCOUNT = PaymentDetails(method="bank", bank_bin="970415", account_number="9988776655", account_name="TRAN VAN KE")


def raw(sql: str, params=None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def text_columns() -> list[tuple[str, str]]:
    """Every text, varchar and jsonb column of every table of the schema (history and events included)."""
    return raw(
        """
        SELECT table_name, column_name FROM information_schema.columns
         WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb', 'json')
         ORDER BY table_name, column_name
        """
    )


def plaintext_found(accounts: set[str]) -> list[tuple[str, str, str]]:
    """(table, column, account) for every stored value containing one of ``accounts`` as a whole
    run of digits (a national ID or a masked ``••••1234`` is not an account)."""
    found = []
    for table, column in text_columns():
        rows = raw(f'SELECT "{column}"::text FROM "{table}" WHERE "{column}"::text ~ %s', [r"[0-9]{6,}"])
        for (value,) in rows:
            for run in re.findall(r"[0-9]+", value):
                if run in accounts:
                    found.append((table, column, run))
    return found


@pytest.fixture
def bank_case(family, units, officer, chair):  # noqa: F811
    case = services.case_apply(
        person=family.elder, commune=units.tan_dong, categories=[CategoryChoice("5.5a")], applied_on=date(2026, 3, 2),
        payment=BANK, acting_user=officer,
    )  # fmt: skip
    confirmed = [text for row in case.categories.select_related("category") for text in row.category.declarations]
    services.case_verify(case=case, confirmed=confirmed, acting_user=officer)
    return services.case_decide(case=case, decision_number="15/QĐ-UBND", decision_date=date(2026, 3, 20),
                                acting_user=chair)  # fmt: skip


def test_no_table_of_the_demo_holds_a_plaintext_account(db, on_demo_day):
    """The demo writes accounts every way the product does: services, COPY (cases, history,
    imports), the run's set-based INSERT, a pending import batch, then a confirmed one and an
    approved change request. Every text and JSON column of every table is searched."""
    load_demo()
    batch = ImportBatch.objects.get()
    import_batch_confirm(batch=batch, acting_user=User.objects.get(username="tandong.chair"))
    case = Case.objects.filter(commune_id="25522", status="active", payment_method="bank").order_by("pk").first()
    request = changes.change_request_create(
        case=case, kind="payment", proposal=NEW_ACCOUNT, reason="Đổi tài khoản",
        acting_user=User.objects.get(username="tandong.officer"),
    )  # fmt: skip
    changes.change_request_approve(change_request=request, acting_user=User.objects.get(username="tandong.chair"))

    accounts = {
        *Case.objects.exclude(account_number="").values_list("account_number", flat=True),
        *Case.history.exclude(account_number="").values_list("account_number", flat=True),
        *RunLine.objects.exclude(account_number="").values_list("account_number", flat=True),
        *(line.proposed.get("account_number") for line in ImportBatchLine.objects.all()),
        *(line.old.get("account_number") for line in ImportBatchLine.objects.all()),
        *(change.before.get("account_number") for change in ChangeRequest.objects.all()),
    } - {None, ""}
    assert len(accounts) > 1_200 and "9988776655" in accounts  # read back as plaintext through the ORM
    assert plaintext_found(accounts) == []
    # The raw columns hold ciphertext, each bank row with the keyed hash of its plaintext.
    assert raw("SELECT count(*) FROM beneficiaries_case WHERE account_number <> '' AND account_number NOT LIKE 'pd1:%'")[0][0] == 0  # fmt: skip
    for model in (Case, Case.history.model, RunLine):
        pairs = list(model.objects.values_list("account_number", "account_hash"))
        assert pairs and all(digest == blind_index(number, purpose="account") for number, digest in pairs)


def test_python_reads_the_plaintext_and_sql_sees_ciphertext(bank_case, officer):  # noqa: F811
    (stored, digest) = raw("SELECT account_number, account_hash FROM beneficiaries_case WHERE id = %s", [bank_case.pk])[
        0
    ]

    assert stored.startswith("pd1:") and ACCOUNT not in stored and len(stored) < 100
    assert decrypt(stored) == ACCOUNT and digest == blind_index(ACCOUNT, purpose="account")
    assert Case.objects.get(pk=bank_case.pk).account_number == ACCOUNT
    assert list(Case.objects.filter(pk=bank_case.pk).values_list("account_number", flat=True)) == [ACCOUNT]
    assert {record.account_number for record in bank_case.history.all()} == {ACCOUNT}
    exported = list(export_rows(Case.objects.filter(pk=bank_case.pk)))
    assert exported[1][17] == ACCOUNT  # the export's account_number column
    # The same account encrypts differently each time (random nonce): equality is asked of the hash.
    assert encrypt(ACCOUNT) != encrypt(ACCOUNT)


def test_an_account_change_rewrites_ciphertext_and_hash(bank_case, officer, chair):  # noqa: F811
    request = changes.change_request_create(
        case=bank_case, kind="payment", proposal=NEW_ACCOUNT, reason="Đổi tài khoản", acting_user=officer
    )
    (proposed,) = raw("SELECT proposed->>'account_number' FROM beneficiaries_changerequest WHERE id = %s", [request.pk])[0]  # fmt: skip
    assert proposed.startswith("pd1:") and decrypt(proposed) == "9988776655"
    assert ChangeRequest.objects.get(pk=request.pk).before["account_number"] == ACCOUNT

    changes.change_request_approve(change_request=request, acting_user=chair)

    case = Case.objects.get(pk=bank_case.pk)
    assert (case.account_number, case.account_hash) == ("9988776655", blind_index("9988776655", purpose="account"))


def test_rotation_reencrypts_under_the_newest_key_and_old_keys_still_read(bank_case, settings, capsys):
    old_key = settings.PERSONAL_DATA_KEYS[0]  # the one the case and its history were written with
    (under_old,) = raw("SELECT account_number FROM beneficiaries_case WHERE id = %s", [bank_case.pk])[0]

    settings.PERSONAL_DATA_KEYS = [NEW_KEY, old_key]
    assert Case.objects.get(pk=bank_case.pk).account_number == ACCOUNT  # the old key still reads
    call_command("reencrypt_personal_data")

    (under_new,) = raw("SELECT account_number FROM beneficiaries_case WHERE id = %s", [bank_case.pk])[0]
    assert under_new.split(":")[1] != under_old.split(":")[1]  # another key's fingerprint
    assert "Done: 0 rows rewritten" not in capsys.readouterr().out
    settings.PERSONAL_DATA_KEYS = [NEW_KEY]  # the old key dropped: everything still reads
    assert Case.objects.get(pk=bank_case.pk).account_number == ACCOUNT
    assert {record.account_number for record in bank_case.history.all()} == {ACCOUNT}
    call_command("reencrypt_personal_data")  # again: nothing left to rewrite
    assert "Done: 0 rows rewritten." in capsys.readouterr().out
    settings.PERSONAL_DATA_KEYS = [old_key]  # only the old key: the rotated rows cannot be read
    with pytest.raises(PersonalDataKeyError, match="not in PERSONAL_DATA_KEYS"):
        Case.objects.get(pk=bank_case.pk)


def test_a_wrong_key_is_a_clear_error_never_a_wrong_answer(bank_case, settings):
    settings.PERSONAL_DATA_KEYS = [WRONG_KEY]
    with pytest.raises(
        PersonalDataKeyError, match=r"encrypted with key [0-9a-f]{8}, which is not in PERSONAL_DATA_KEYS"
    ):
        Case.objects.get(pk=bank_case.pk)

    settings.PERSONAL_DATA_KEYS = [NEW_KEY]
    stored = encrypt(ACCOUNT)
    altered = stored[:-2] + ("A" if stored[-2] != "A" else "B") + stored[-1]
    with pytest.raises(PersonalDataKeyError, match="does not decrypt"):
        decrypt(altered)
    with pytest.raises(PersonalDataKeyError, match="not encrypted"):
        decrypt(ACCOUNT)
    # Comparing the encrypted column itself would silently find nothing: refused.
    with pytest.raises(FieldError, match="look a value up by its keyed hash"):
        list(Case.objects.filter(account_number=ACCOUNT))


def test_accounts_are_found_by_their_keyed_hash(bank_case, family, units, officer, chair):  # noqa: F811
    other = services.case_apply(
        person=family.adult, commune=units.tan_dong, categories=[CategoryChoice("5.6s")], applied_on=date(2026, 3, 2),
        payment=NEW_ACCOUNT, acting_user=officer,
    )  # fmt: skip

    assert list(cases_paid_to(ACCOUNT)) == [bank_case]
    assert list(cases_paid_to("9988776655")) == [other]
    assert list(cases_paid_to("1111111111")) == [] and list(cases_paid_to("")) == []
    assert list(cases_paid_to(ACCOUNT, among=Case.objects.filter(commune=units.binh_minh))) == []
    assert list(lines_paid_to(ACCOUNT)) == []
    # The hash is keyed: another key gives another hash, and a hash names its purpose.
    assert blind_index(ACCOUNT, purpose="account") != blind_index(ACCOUNT, purpose="national_id")


def test_the_run_copies_ciphertext_and_hash(bank_case, officer):  # noqa: F811
    from disbursements import services as run_services
    from disbursements.models import RunBatch

    run = run_services.run_prepare(
        commune=bank_case.commune, month=date(2026, 4, 1), acting_user=officer, enqueue=False
    )
    for low, high in RunBatch.objects.filter(run=run, generation=run.generation).values_list("low", "high"):
        run_services.batch_prepare(run.pk, run.generation, low, high)

    line = RunLine.objects.get(run=run)
    case_row = raw("SELECT account_number, account_hash FROM beneficiaries_case WHERE id = %s", [bank_case.pk])[0]
    line_row = raw("SELECT account_number, account_hash FROM disbursements_runline WHERE id = %s", [line.pk])[0]
    assert line_row == case_row  # the same ciphertext, copied by SQL
    assert line.account_number == ACCOUNT and list(lines_paid_to(ACCOUNT)) == [line]


def test_the_database_refuses_a_bank_case_without_account_or_hash(bank_case):
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=bank_case.pk).update(account_hash="")
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=bank_case.pk).update(account_number="", account_hash="")
    assert Case.objects.get(pk=bank_case.pk).account_number == ACCOUNT


def test_the_migration_encrypts_plaintext_left_in_place(bank_case):
    """What migrations 0007 (beneficiaries) and 0005 (disbursements) do to the rows they find."""
    raw("UPDATE beneficiaries_case SET account_number = %s WHERE id = %s", [ACCOUNT, bank_case.pk])
    raw("UPDATE beneficiaries_historicalcase SET account_number = %s, account_hash = ''", [ACCOUNT])
    with pytest.raises(PersonalDataKeyError, match="not encrypted"):
        Case.objects.get(pk=bank_case.pk)
    found = plaintext_found({ACCOUNT})  # the search sees a plaintext wherever it is
    assert {(table, column) for table, column, _account in found} == {
        ("beneficiaries_case", "account_number"),
        ("beneficiaries_historicalcase", "account_number"),
    }

    encrypt_existing(
        Column("beneficiaries_case", "id", "account_number", hashes=[("account_hash", "account")]),
        Column("beneficiaries_historicalcase", "history_id", "account_number", hashes=[("account_hash", "account")]),
    )

    assert plaintext_found({ACCOUNT}) == []
    assert Case.objects.get(pk=bank_case.pk).account_number == ACCOUNT
    digest = blind_index(ACCOUNT, purpose="account")
    assert set(bank_case.history.values_list("account_number", "account_hash")) == {(ACCOUNT, digest)}


def test_production_refuses_to_start_without_real_keys():
    without = {name: value for name, value in PRODUCTION_ENV.items() if not name.startswith("PERSONAL_DATA_")}
    development = {**PRODUCTION_ENV, "PERSONAL_DATA_KEYS": "ZGV2ZWxvcG1lbnQtb25seS1wZXJzb25hbC1kYXRhLWs"}
    short = {**PRODUCTION_ENV, "PERSONAL_DATA_KEYS": "c2hvcnQ"}

    for env, message in (
        (without, "PERSONAL_DATA_KEYS and PERSONAL_DATA_HASH_KEY must be set"),
        (development, "the public development keys cannot protect personal data"),
        (short, "each key must be 32 bytes, base64url-encoded"),
    ):
        result = manage("check", env=env)
        assert result.returncode != 0
        assert f"Personal data keys: {message}." in result.stderr
