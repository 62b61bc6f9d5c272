"""Admin units: the caller's communes and a commune's villages."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from api import scoping
from api.pagination import paginate
from api.serializers.common import page_of
from api.serializers.units import CommuneSerializer, VillageSerializer
from api.views.base import ERRORS, INVALID, NOT_MODIFIED, PAGINATION, ReadView


@extend_schema(tags=["admin units"])
class CommuneList(ReadView):
    """The communes of the caller's scope (an administrator: every commune), by province and name."""

    scope_area = "registry"

    @extend_schema(
        operation_id="communes_list",
        summary="The caller's communes",
        parameters=PAGINATION,
        responses={200: page_of(CommuneSerializer), **INVALID, **ERRORS, **NOT_MODIFIED},
    )
    def get(self, request):
        page = paginate(scoping.communes(scoping.actor(request)), request)
        return Response(page.body(CommuneSerializer(page.rows, many=True).data))


@extend_schema(tags=["admin units"])
class VillageList(ReadView):
    """The villages of a commune of the caller's, by name; another commune's answers 404."""

    scope_area = "registry"

    @extend_schema(
        operation_id="villages_list",
        summary="The villages of one of the caller's communes",
        parameters=PAGINATION,
        responses={200: page_of(VillageSerializer), **INVALID, **ERRORS, **NOT_MODIFIED},
    )
    def get(self, request, code):
        commune = scoping.commune(scoping.actor(request), code)
        page = paginate(scoping.villages(commune), request)
        return Response(page.body(VillageSerializer(page.rows, many=True).data))
