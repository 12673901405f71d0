"""`export_archive` and `import_documents --format archive-jsonl`: a backup restores the same archive."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from archive.models import Document, Paragraph, Tag

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    return {
        d.identifier: {
            "title": d.title,
            "type": d.type,
            "source": d.source.name,
            "date": d.date,
            "created": d.created,
            "files": [
                (
                    f.number,
                    f.is_current,
                    bytes(f.data),
                    f.sha256,
                    f.file_name,
                    f.format,
                    f.released,
                    f.imported_at,
                )
                for f in d.source_files.all()
            ],
            "note": d.note,
            "tags": sorted((t.name, t.kind, t.description) for t in d.tags.all()),
            "paragraphs": [(p.number, p.anchor, p.marking, p.heading, p.text) for p in d.paragraphs.all()],
            "imported_at": d.imported_at,
        }
        for d in Document.objects.select_related("source").prefetch_related(
            "tags", "paragraphs", "source_files"
        )
    }


def export(path) -> str:
    out = io.StringIO()
    call_command("export_archive", str(path), stdout=out)
    return out.getvalue()


def restore(path) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_documents", str(path), format="archive-jsonl", stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return out.getvalue(), err.getvalue(), code


@pytest.fixture
def curated_archive(seeds):
    cable = seeds["cable"]
    cable.tags.add(Tag.objects.create(name="Plan VRAE", kind=Tag.Kind.TOPIC, description="The *VRAE* plan"))
    cable.note = "Cited in the **2008** review."
    cable.save()
    return seeds


def test_export_writes_one_line_per_document(tmp_path, curated_archive):
    path = tmp_path / "backup.jsonl"
    assert "5 documents written" in export(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5
    assert {json.loads(line)["identifier"] for line in lines} == set(
        Document.objects.values_list("identifier", flat=True)
    )


def test_a_backup_restores_the_same_archive_into_an_empty_one(tmp_path, curated_archive):
    path = tmp_path / "backup.jsonl"
    export(path)
    before = snapshot()
    Document.objects.all().delete()
    Tag.objects.all().delete()
    assert not Paragraph.objects.exists()

    out, err, code = restore(path)

    assert code == 0, err
    assert "5 created, 0 updated, 0 failed" in out
    assert snapshot() == before


def test_restoring_over_the_same_archive_changes_nothing(tmp_path, curated_archive):
    path = tmp_path / "backup.jsonl"
    export(path)
    before = snapshot()
    out, _, code = restore(path)
    assert code == 0
    assert "0 created, 5 updated" in out
    assert snapshot() == before


def test_broken_lines_are_reported_and_the_rest_restored(tmp_path, curated_archive):
    path = tmp_path / "backup.jsonl"
    export(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(1, '{"quipu": "archive-jsonl", "version": 1, "identifier": "X"}')
    lines.insert(3, "not json at all")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    Document.objects.all().delete()

    out, err, code = restore(path)

    assert code == 1
    assert "5 created, 0 updated, 2 failed" in out
    assert ":2: incomplete record" in err
    assert ":4: not JSON" in err
    assert not Document.objects.filter(identifier="X").exists()
