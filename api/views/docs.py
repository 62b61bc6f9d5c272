"""The schema and its two readers (Swagger UI, Redoc), served from our own static files."""

from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

# The schema and its two readers describe the API, not anyone's data: open to every caller, so an
# integrator reads them before holding credentials. Both pages load only our own static files (the
# sidecar's Swagger UI and Redoc) and no inline script. Their scripts style the page by injecting
# <style> elements (and Redoc searches in a worker it builds from a blob): the CSP allows that on these
# two pages only, which show the schema and no personal data; scripts stay 'self'.
DOCS_CSP = csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]})


class Schema(SpectacularAPIView):
    authentication_classes = []
    permission_classes = [AllowAny]


@method_decorator(DOCS_CSP, name="dispatch")
class SwaggerUI(SpectacularSwaggerSplitView):
    authentication_classes = []
    permission_classes = [AllowAny]
    template_name = "api/swagger_ui.html"
    url_name = "api:schema"


@method_decorator(DOCS_CSP, name="dispatch")
class Redoc(SpectacularRedocView):
    authentication_classes = []
    permission_classes = [AllowAny]
    template_name = "api/redoc.html"
    url_name = "api:schema"
