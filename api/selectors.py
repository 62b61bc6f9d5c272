"""The system clients as the administrator's page and the command line list them."""

from django.db.models import F, QuerySet

from api.models import ApiClient


def clients() -> QuerySet[ApiClient]:
    """Every client, active first, with what the list shows (account, its units, creator) in the same
    few queries whatever their number."""
    return (
        ApiClient.objects.select_related("application", "account", "created_by", "revoked_by")
        .prefetch_related("account__assignments__commune", "account__assignments__province")
        .order_by(F("revoked_at").asc(nulls_first=True), "name")
    )
