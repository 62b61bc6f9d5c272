"""English: Django's own formats, but dates typed day first (dd/mm/yyyy) as in Vietnamese (see
``casework/formats/__init__.py``)."""

from casework.formats import DATE_INPUT_FORMATS as DATE_INPUT_FORMATS
