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
    return user
