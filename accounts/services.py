from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role, StaffAssignment, User


@transaction.atomic
def user_create_or_update(
    *,
    username: str,
    role: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    communes=(),
    provinces=(),
    email: str = "",
) -> User:
    """Create a staff user, or bring an existing one to exactly this role and these units."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role: %(role)s") % {"role": role}})
    if role == Role.PROVINCIAL_VIEWER and communes:
        raise ValidationError({"communes": _("Provincial staff are assigned to a province, not to communes.")})
    if role not in (Role.ADMINISTRATOR, Role.PROVINCIAL_VIEWER) and not communes:
        raise ValidationError({"communes": _("Commune staff must be assigned to at least one commune.")})

    user, created = User.objects.get_or_create(username=username, defaults={"role": role})
    user.role = role
    user.first_name, user.last_name, user.email = first_name, last_name, email.strip().lower()
    user.is_staff = user.is_superuser = role == Role.ADMINISTRATOR
    if created or not user.check_password(password):
        user.set_password(password)
    user.save()
    _assign(user, communes, provinces)
    return user


# The roles a system client's account may hold: commune work or a province's reading. Never the chair
# (a system signs no decision, and the chair's lists name the chairs) nor the administrator (national
# scope and Django's admin).
SERVICE_ROLES = (Role.COMMUNE_OFFICER, Role.COMMITTEE_MEMBER, Role.PROVINCIAL_VIEWER)


@transaction.atomic
def service_account_save(*, username: str, name: str, role: str, communes=(), provinces=(), acting_user=None) -> User:
    """Create (or bring to this role and these units) the account a system client of the API acts as:
    a user like staff, so every scoping door serves it, but with an unusable password and marked as a
    service account, so that it never signs in (``accounts.forms.LoginForm`` refuses it too)."""
    if role not in SERVICE_ROLES:
        raise ValidationError({"role": _("A system client may not hold this role.")})
    if role == Role.PROVINCIAL_VIEWER and (communes or not provinces):
        raise ValidationError({"provinces": _("A provincial reader is assigned to provinces, not to communes.")})
    if role != Role.PROVINCIAL_VIEWER and (provinces or not communes):
        raise ValidationError({"communes": _("Commune staff must be assigned to at least one commune.")})
    user = User.objects.filter(username=username).first() or User(username=username, is_service_account=True)
    if not user.is_service_account:
        raise ValidationError({"username": _("This username belongs to a person.")})
    user.role, user.first_name, user.last_name = role, name[:150], ""
    user.is_staff = user.is_superuser = False
    user.is_active = True
    user.set_unusable_password()
    if acting_user is not None:
        user._history_user = acting_user
    user.save()
    _assign(user, communes, provinces)
    return user


def service_account_disable(user: User, *, acting_user=None) -> None:
    """A revoked client's account: inactive, so no call acts as it again."""
    user.is_active = False
    if acting_user is not None:
        user._history_user = acting_user
    user.save(update_fields=["is_active"])


def _assign(user: User, communes, provinces) -> None:
    """Exactly these units: assignments not wanted go, missing ones are added."""
    wanted = {("c", c.code) for c in communes} | {("p", p.code) for p in provinces}
    for assignment in list(user.assignments.all()):
        key = ("c", assignment.commune_id) if assignment.commune_id else ("p", assignment.province_id)
        if key not in wanted:
            assignment.delete()
        else:
            wanted.discard(key)
    for kind, code in sorted(wanted):
        StaffAssignment.objects.create(
            user=user, commune_id=code if kind == "c" else None, province_id=code if kind == "p" else None
        )
