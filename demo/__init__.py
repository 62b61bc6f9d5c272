"""The demo and the synthetic data: loaders that write plausible data through every app's services
and importers (``load_demo``), and the synthetic-household generator the demo and ``bench/`` use
(``generate_synthetic``). The top floor with ``reports``: it may import every app, and no app imports it."""
