"""Vietnamese number formats on top of Django's own (which leave grouping off): 1.234.567 and 0,91.
Everything not set here (dates, separators) comes from ``django/conf/locale/vi/formats.py``."""

NUMBER_GROUPING = 3
THOUSAND_SEPARATOR = "."
DECIMAL_SEPARATOR = ","
