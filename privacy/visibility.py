"""Need-to-know: which roles see which personal fields unmasked (issue 15 §2), defined once.

Every page, fragment, export, PDF and timeline asks ``sees(user, field, commune_id)`` and shows the
value through ``mask_value`` (or the helpers below) when the answer is no. Nothing else decides.

| role               | national ID, phone, account | disability level      | health-related categories |
| ------------------ | --------------------------- | --------------------- | ------------------------- |
| commune officer    | full, in their communes     | full                  | full                      |
| commune chair      | full, in their communes     | full                  | full                      |
| committee member   | masked                      | generalised           | generalised               |
| provincial viewer  | masked                      | generalised           | generalised               |
| administrator      | full (every commune)        | full                  | full                      |

- The officer files the cases, registers the households and pays; the chair decides the cases and
  approves the runs of their communes: both need the identifiers to do it (a decision names the
  person by national ID, a payment goes to an account).
- The steering committee reviews poverty: names, addresses and classes, never identifiers; the
  level of a disability and an HIV-related category are more than that review needs.
- The provincial viewer oversees from above: roll-ups and masked lists suffice.
- The administrator keeps full view: they correct registry data of any commune (the registry role),
  answer data-subject requests (whose report must show the person's own data) and load imports for
  communes; what they look at is recorded in the access log like everyone else's looks.

Generalised: a disability level reads "with a disability" (not its degree); the health-related
allowance categories (HIV: 5.3, 5.8; disability: 5.6es, 5.6s, whose code tells the degree) read
"health-related category", and the case list offers no filter by them. Masked: a national ID or
phone by its last 3 digits ("•••••••••592"), an account by its last 4 ("••••6789"), everywhere:
pages, htmx fragments, timeline diffs, work lists, exports and PDFs.

Outside their communes, an officer or chair sees masked values too (``commune_id`` given and out of
scope). With ``commune_id=None`` the caller has already scoped the data to the user's communes.
"""

from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from geography.scoping import in_scope

NATIONAL_ID = "national_id"
PHONE = "phone"
ACCOUNT = "account_number"
DISABILITY = "disability_level"
HEALTH_CATEGORY = "health_category"
FIELDS = (NATIONAL_ID, PHONE, ACCOUNT, DISABILITY, HEALTH_CATEGORY)

# Allowance categories that tell a person's health (rules.md §2, Decree 20 Art. 5): HIV (5.3, 5.8)
# and the disability categories (5.6es, 5.6s, which carry the level of the disability).
HIV_CATEGORIES = frozenset({"5.3", "5.8"})
DISABILITY_CATEGORIES = frozenset({"5.6es", "5.6s"})
HEALTH_CATEGORIES = HIV_CATEGORIES | DISABILITY_CATEGORIES

# The fields each role sees in full, within its scope; a role not listed sees none of them.
POLICY: dict[str, frozenset[str]] = {
    Role.COMMUNE_OFFICER: frozenset(FIELDS),
    Role.COMMUNE_CHAIR: frozenset(FIELDS),
    Role.ADMINISTRATOR: frozenset(FIELDS),
    Role.COMMITTEE_MEMBER: frozenset(),
    Role.PROVINCIAL_VIEWER: frozenset(),
}

MASK = "•"
GENERALISED_CATEGORY = _("health-related category")
GENERALISED_DISABILITY = _("with a disability")


def sees(user, field: str, commune_id: str | None = None) -> bool:
    """Whether ``user`` may see ``field`` of a person of ``commune_id`` unmasked.

    ``commune_id=None``: the data shown is already scoped to the user's communes."""
    if field not in FIELDS:
        raise ValueError(f"unknown personal field {field!r}")
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if field not in POLICY.get(user.role, frozenset()):
        return False
    return commune_id is None or in_scope(user, commune_id)


def sees_identifiers(user, commune_id: str | None = None) -> bool:
    """National ID, phone and account together (they follow the same rule for every role)."""
    return sees(user, NATIONAL_ID, commune_id)


def sees_health(user, commune_id: str | None = None) -> bool:
    """Disability levels and health-related allowance categories."""
    return sees(user, HEALTH_CATEGORY, commune_id)


def mask_value(value: str, *, visible: int = 3) -> str:
    """Hide all but the last ``visible`` characters: "079201001234" -> "•••••••••234"."""
    if not value:
        return ""
    value = str(value)
    return MASK * max(len(value) - visible, 0) + value[-visible:]


def mask_national_id(value: str) -> str:
    return mask_value(value)


def mask_phone(value: str) -> str:
    return mask_value(value)


def mask_account(value: str) -> str:
    """An account number by its last 4 digits: "••••6789" (a payer checks the end of a number)."""
    return MASK * 4 + value[-4:] if value else ""


def national_id_for(user, value: str, commune_id: str | None = None) -> str:
    return value if sees(user, NATIONAL_ID, commune_id) else mask_national_id(value)


def phone_for(user, value: str, commune_id: str | None = None) -> str:
    return value if sees(user, PHONE, commune_id) else mask_phone(value)


def account_for(user, value: str, commune_id: str | None = None) -> str:
    return value if sees(user, ACCOUNT, commune_id) else mask_account(value)


def generalised_category(code: str) -> str:
    """An allowance category's code as a reader who may not see health data reads it: a health one
    (the code alone tells HIV or a disability's level) as "health-related category"."""
    return str(GENERALISED_CATEGORY) if code in HEALTH_CATEGORIES else code


def category_for(user, code: str, commune_id: str | None = None) -> str:
    """An allowance category's code, generalised for a user who may not see health data."""
    return code if sees(user, HEALTH_CATEGORY, commune_id) else generalised_category(code)


def disability_for(user, level_display: str, commune_id: str | None = None) -> str:
    """A disability level's label, or only "with a disability" for a user who may not see it."""
    if not level_display or sees(user, DISABILITY, commune_id):
        return level_display
    return str(GENERALISED_DISABILITY)
