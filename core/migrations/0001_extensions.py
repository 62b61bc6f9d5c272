from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    """Folded (diacritic-free) search and trigram indexes, used by the registry and its search."""

    initial = True
    dependencies = []
    operations = [UnaccentExtension(), TrigramExtension()]
