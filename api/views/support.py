"""A household's support records (of the caller's communes), newest plan first."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api import scoping
from api.pagination import paginate
from api.serializers.common import page_of
from api.serializers.support import SupportRecordSerializer
from api.views.base import ERRORS, INVALID, NOT_MODIFIED, PAGINATION, ReadView
from privacy.log import Purpose, record_view
from support.models import Record


@extend_schema(tags=["support"])
class HouseholdSupport(ReadView):
    """What the household received or is planned to receive from support programmes: the records the
    records list shows for it (cancelled ones too, with their status), each with its funding lines."""

    scope_area = "support"

    @extend_schema(
        operation_id="households_support_list",
        summary="A household's support records",
        parameters=[OpenApiParameter("status", str, enum=Record.Status.values), *PAGINATION],
        responses={200: page_of(SupportRecordSerializer), **INVALID, **ERRORS, **NOT_MODIFIED},
    )
    def get(self, request, household_uuid):
        actor = scoping.actor(request)
        household = scoping.household(actor, household_uuid)
        records = scoping.household_support(actor, household)
        status = request.query_params.get("status", "")
        if status:
            if status not in Record.Status.values:
                raise ValidationError({"status": [f"One of: {', '.join(Record.Status.values)}."]})
            records = records.filter(status=status)
        page = paginate(records, request)
        # As the records list records it: each record's member, else the household's head.
        record_view(
            request,
            purpose=Purpose.API,
            person_ids=[record.person_id or household.head_id for record in page.rows],
            commune_ids=[household.commune_id],
        )
        return Response(page.body(SupportRecordSerializer(page.rows, many=True).data))
