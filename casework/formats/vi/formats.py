"""Vietnamese number formats on top of Django's own (which leave grouping off): 1.234.567 and 0,91.
Dates are typed dd/mm/yyyy (YYYY-MM-DD still accepted: old bookmarks, the browsers' date inputs);
Django's ``vi`` sets no input formats, so its global default would read 07/12/2026 as 12 July.
Everything not set here (dates, separators) comes from ``django/conf/locale/vi/formats.py``."""

from casework.formats import DATE_INPUT_FORMATS as DATE_INPUT_FORMATS

NUMBER_GROUPING = 3
THOUSAND_SEPARATOR = "."
DECIMAL_SEPARATOR = ","
