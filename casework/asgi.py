"""The ASGI entry point. Production settings unless DJANGO_SETTINGS_MODULE says otherwise; refuses
the public development key outside DEBUG (casework/secret_key.py)."""

import os

from django.core.asgi import get_asgi_application

from casework.secret_key import refuse_public_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings.production")
refuse_public_secret_key("web server (ASGI)")

application = get_asgi_application()
