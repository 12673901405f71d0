"""One document, many files: every imported file is kept as a SourceFile of its document.

Each document's original file becomes its source file number 1, the current one; the
copy is done in SQL so that an archive of the whole release migrates in one statement.
"""

import django.db.models.deletion
from django.db import migrations, models

TO_SOURCE_FILES = """
INSERT INTO archive_sourcefile
    (document_id, number, is_current, data, encoding, sha256, file_name, format, released,
     header_fields, paragraph_count, imported_at)
SELECT d.id, 1, TRUE, d.original, d.original_encoding, d.sha256, d.file_name, d.format, d.released,
       0, (SELECT COUNT(*) FROM archive_paragraph p WHERE p.document_id = d.id), d.imported_at
FROM archive_document d
"""

BACK_TO_DOCUMENTS = """
UPDATE archive_document SET
    original = (SELECT f.data FROM archive_sourcefile f WHERE f.document_id = archive_document.id AND f.is_current),
    original_encoding = (SELECT f.encoding FROM archive_sourcefile f
                         WHERE f.document_id = archive_document.id AND f.is_current),
    sha256 = (SELECT f.sha256 FROM archive_sourcefile f WHERE f.document_id = archive_document.id AND f.is_current),
    file_name = (SELECT f.file_name FROM archive_sourcefile f
                 WHERE f.document_id = archive_document.id AND f.is_current),
    format = (SELECT f.format FROM archive_sourcefile f WHERE f.document_id = archive_document.id AND f.is_current)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0004_cable_fidelity"),
    ]

    operations = [
        migrations.CreateModel(
            name="SourceFile",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "number",
                    models.PositiveSmallIntegerField(
                        help_text="1, 2, … in the order imported; never reused."
                    ),
                ),
                ("is_current", models.BooleanField(default=False)),
                ("data", models.BinaryField(editable=False)),
                ("encoding", models.CharField(default="utf-8", max_length=20)),
                ("sha256", models.CharField(max_length=64)),
                (
                    "file_name",
                    models.CharField(blank=True, help_text="A hint only, never an identity.", max_length=500),
                ),
                ("format", models.CharField(max_length=40)),
                (
                    "released",
                    models.DateTimeField(
                        blank=True, help_text="The release date the file gives, if any.", null=True
                    ),
                ),
                ("header_fields", models.PositiveSmallIntegerField(default=0)),
                ("paragraph_count", models.PositiveIntegerField(default=0)),
                ("imported_at", models.DateTimeField(auto_now_add=True)),
                (
                    "document",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="source_files",
                        to="archive.document",
                    ),
                ),
            ],
            options={
                "ordering": ["document", "number"],
                "indexes": [models.Index(fields=["sha256"], name="source_file_sha256")],
                "constraints": [
                    models.UniqueConstraint(fields=("document", "number"), name="source_file_unique_number"),
                    models.UniqueConstraint(
                        condition=models.Q(("is_current", True)),
                        fields=("document",),
                        name="source_file_one_current",
                    ),
                ],
            },
        ),
        migrations.RunSQL(TO_SOURCE_FILES, BACK_TO_DOCUMENTS),
        migrations.RemoveIndex(model_name="document", name="document_file_name"),
        migrations.RemoveField(model_name="document", name="file_name"),
        migrations.RemoveField(model_name="document", name="format"),
        migrations.RemoveField(model_name="document", name="original"),
        migrations.RemoveField(model_name="document", name="original_encoding"),
        migrations.RemoveField(model_name="document", name="sha256"),
        migrations.AlterField(
            model_name="document",
            name="parser_version",
            field=models.PositiveSmallIntegerField(
                default=0,
                editable=False,
                help_text="The importer's version that read the current file; older ones are re-read.",
            ),
        ),
    ]
