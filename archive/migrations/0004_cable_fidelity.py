"""Cables read whole: header text, partial extracts, references as rows, tags by origin.

References move from a JSON list on the document to `Reference` rows, so that the cables
citing a given cable can be found by an index. Tags that came from a file are remembered
per document (`file_tags`): before this change a re-import replaced all subject tags, so
the subject tags a document has now are taken as its file's. `parser_version` starts at 0:
every document is re-read by the next import of its file or by `import_documents --reparse`.
"""

import re

import django.db.models.deletion
from django.db import migrations, models

BATCH = 2000
_IDENTIFIER = re.compile(r"[0-9]{2}[A-Z][A-Z0-9-]{1,40}[0-9]")


def references_to_rows(apps, schema_editor):
    Document = apps.get_model("archive", "Document")
    Reference = apps.get_model("archive", "Reference")
    rows = []
    for pk, printed in Document.objects.exclude(legacy_references=[]).values_list("pk", "legacy_references"):
        for position, item in enumerate(printed or []):
            item = str(item).strip()
            if not item:
                continue
            identifier = item.upper() if _IDENTIFIER.fullmatch(item.upper()) else ""
            rows.append(Reference(document_id=pk, position=position, text=item, reference_id=identifier))
        if len(rows) >= BATCH:
            Reference.objects.bulk_create(rows)
            rows = []
    Reference.objects.bulk_create(rows)


def subject_tags_to_file_tags(apps, schema_editor):
    Document = apps.get_model("archive", "Document")
    Through = Document.tags.through
    by_document: dict[int, list[str]] = {}
    links = Through.objects.filter(tag__kind="subject").order_by("document_id", "id")
    for document_id, name in links.values_list("document_id", "tag__name").iterator():
        by_document.setdefault(document_id, []).append(name)
    pks = list(by_document)
    for start in range(0, len(pks), BATCH):
        documents = list(Document.objects.filter(pk__in=pks[start : start + BATCH]).only("pk"))
        for document in documents:
            document.file_tags = by_document[document.pk]
        Document.objects.bulk_update(documents, ["file_tags"])


def forwards(apps, schema_editor):
    references_to_rows(apps, schema_editor)
    subject_tags_to_file_tags(apps, schema_editor)


def backwards(apps, schema_editor):
    Document = apps.get_model("archive", "Document")
    Reference = apps.get_model("archive", "Reference")
    by_document: dict[int, list[str]] = {}
    for document_id, text, identifier in Reference.objects.order_by("document_id", "position").values_list(
        "document_id", "text", "reference_id"
    ):
        by_document.setdefault(document_id, []).append(identifier or text)
    for pk, printed in by_document.items():
        Document.objects.filter(pk=pk).update(legacy_references=printed)


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0003_reference_data"),
    ]

    operations = [
        migrations.RenameField(model_name="document", old_name="references", new_name="legacy_references"),
        migrations.AddField(
            model_name="document",
            name="file_tags",
            field=models.JSONField(blank=True, default=list, editable=False),
        ),
        migrations.AddField(
            model_name="document",
            name="header_text",
            field=models.TextField(
                blank=True,
                help_text="Front matter no field holds (banner, SIPDIS, routing lines, a release record), verbatim.",
            ),
        ),
        migrations.AddField(
            model_name="document",
            name="parser_version",
            field=models.PositiveSmallIntegerField(
                default=0,
                editable=False,
                help_text="The importer's version that read the file; older ones are re-read.",
            ),
        ),
        migrations.AddField(
            model_name="document",
            name="partial_extract",
            field=models.BooleanField(
                default=False, help_text="The source had only part of the text, and no whole text was found."
            ),
        ),
        migrations.CreateModel(
            name="Reference",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("position", models.PositiveSmallIntegerField()),
                (
                    "text",
                    models.TextField(
                        blank=True, help_text="As printed; empty when only the release record lists it."
                    ),
                ),
                (
                    "reference_id",
                    models.CharField(
                        blank=True, help_text="e.g. 02BOGOTA3101; empty if no cable.", max_length=60
                    ),
                ),
                (
                    "note",
                    models.CharField(
                        blank=True, help_text="Printed after the item, e.g. NOTAL.", max_length=200
                    ),
                ),
                (
                    "document",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="references",
                        to="archive.document",
                    ),
                ),
            ],
            options={
                "ordering": ["document", "position"],
                "indexes": [models.Index(fields=["reference_id"], name="reference_cited_id")],
                "constraints": [
                    models.UniqueConstraint(fields=("document", "position"), name="reference_unique_position")
                ],
            },
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="document", name="legacy_references"),
    ]
