"""How many cables of the archive cite each document, counted once for the archive as it is."""

from django.db import migrations, models

COUNT = """
UPDATE archive_document SET cited_count = (
    SELECT COUNT(DISTINCT r.document_id) FROM archive_reference r WHERE r.reference_id = archive_document.identifier
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0006_rendered_markdown"),
    ]

    operations = [
        migrations.AddField(
            model_name="document",
            name="cited_count",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunSQL(COUNT, migrations.RunSQL.noop),
    ]
