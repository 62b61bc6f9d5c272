"""What the API answers, field by field: ``common`` (problems, references, masks, pages) and one module
a part of the API (``households``, …)."""
