"""An index for the code arm of the search box (code__iexact): without it PostgreSQL cannot combine
"code OR name" from two indexes, and filters every household of the commune instead of reading the
trigram index of search_text. Nothing to fill: CREATE INDEX reads the existing households."""

from django.db import migrations, models
from django.db.models.functions import Upper


class Migration(migrations.Migration):
    dependencies = [
        ("households", "0003_household_housing_area"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="household",
            index=models.Index(Upper("code"), name="household_code_upper"),
        ),
    ]
