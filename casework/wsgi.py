"""The WSGI entry point (gunicorn casework.wsgi). Production settings unless DJANGO_SETTINGS_MODULE
says otherwise; refuses the public development key outside DEBUG (casework/secret_key.py)."""

import os

from django.core.wsgi import get_wsgi_application

from casework.secret_key import refuse_public_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings.production")
refuse_public_secret_key("web server (WSGI)")

application = get_wsgi_application()
