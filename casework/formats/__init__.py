"""Our additions to Django's locale formats (``FORMAT_MODULE_PATH``), one package per language.

Dates are typed day first in every language of the interface, as Vietnamese documents write them
(``core.forms.DATE_INPUT`` shows dd/mm/yyyy whatever the browser's language): an English interface
reads "07/12/2026" as 7 December too, not as Django's English default (12 July)."""

DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"]
