"""Demo households for the two demo communes of Tây Ninh (called by ``demo.accounts.load_demo``).

Xã Tân Đông ends last year (the year before the day of loading) with 43 poor or near-poor
households, 0.91 % of about 4,700, as in the field story; Phường Bình Minh is an urban ward with few poor households left. The households are
synthetic (``demo.synthetic``), drawn from a fixed seed, so every demo database holds the
same families; the villages are the demo villages that ``demo.accounts`` creates first.
"""

from django.utils import timezone

from demo.synthetic import generate_households
from geography.models import Commune, Village
from households.models import Household

DEMO_SEED = 2024
# commune code -> (households, poverty statuses of the year before the day of loading (the list that
# last year's review, in ``demo.povertyreview``, starts from); every other household "none")
DEMO_HOUSEHOLDS = {
    "25522": (4_700, {"poor": 18, "near_poor": 25}),  # Xã Tân Đông: 43 = 0.91 %
    "25480": (3_000, {"poor": 1, "near_poor": 6}),  # Phường Bình Minh
}


def load_demo_households() -> dict[str, int]:
    """Commune code -> households created; a commune that already has households is left alone,
    so calling this again does nothing. Takes a few seconds the first time."""
    communes = Commune.objects.in_bulk(list(DEMO_HOUSEHOLDS))
    created = {}
    for code, (count, statuses) in DEMO_HOUSEHOLDS.items():
        commune = communes.get(code)
        if commune is None or not Village.objects.filter(commune=commune).exists():
            raise RuntimeError(f"commune {code} or its demo villages are missing: run demo.accounts.load_demo first")
        if Household.objects.filter(commune=commune).exists():
            created[code] = 0
            continue
        report = generate_households(
            communes=[commune],
            households_per_commune=count,
            seed=DEMO_SEED,
            year_statuses={timezone.localdate().year - 1: statuses},
        )
        created[code] = report.households
    return created
