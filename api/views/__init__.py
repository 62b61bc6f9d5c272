"""The API's views, one module a part (``units``, ``households``, …) on ``base``; ``docs`` serves the schema."""
