"""`export_archive` and `import_documents --format archive-jsonl`: a backup restores the same archive."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from archive.models import Document, Paragraph, PendingIndexUpdate, Tag

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


def test_a_line_that_is_not_utf8_is_reported_and_the_rest_restored(tmp_path, curated_archive):
    path = tmp_path / "backup.jsonl"
    export(path)
    lines = path.read_bytes().splitlines(keepends=True)
    lines[2] = lines[2].replace(b'"quipu"', b'"qu\xffipu"', 1)
    path.write_bytes(b"".join(lines))
    Document.objects.all().delete()

    out, err, code = restore(path)

    assert code == 1
    assert ":3: not UTF-8" in err
    assert "4 created, 0 updated, 1 failed" in out


# Restoring records that are not what an import would store ------------------------------------


def backup_with(path, change) -> None:
    """Export the archive, apply change(records) to its records, write them back."""
    export(path)
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    change(records)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def backup_with_cable(path, change) -> int:
    """Export the archive with change(record) applied to the seed cable's record; its line number."""
    changed = []

    def change_cable(records):
        number, record = next((n, r) for n, r in enumerate(records, 1) if r["identifier"] == "07LIMA3429")
        change(record)
        changed.append(number)

    backup_with(path, change_cable)
    return changed[0]


def test_an_identifier_with_a_slash_is_refused_and_the_rest_restored(tmp_path, curated_archive, client):
    path = tmp_path / "backup.jsonl"
    line = backup_with_cable(path, lambda record: record.update(identifier="BAD/ID"))
    Document.objects.all().delete()

    out, err, code = restore(path)

    assert code == 1
    assert f":{line}: identifier 'BAD/ID' is not a document identifier" in err
    assert "4 created, 0 updated, 1 failed" in out
    assert not Document.objects.filter(identifier="BAD/ID").exists()
    assert client.get("/api/documents/").status_code == 200
    assert client.get("/search/", {"q": "peru"}).status_code == 200


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda r: r.update(classification="SECRET " * 20), "the classification is 140 characters long"),
        (lambda r: r["tags"].append({"name": "T" * 101, "kind": "topic"}), "the tag name is 101"),
        (lambda r: r["paragraphs"][1].update(number=r["paragraphs"][0]["number"]), "duplicate paragraph"),
        (lambda r: r["paragraphs"][0].update(number=-1), "paragraph number -1"),
        (lambda r: r.update(title=None), "title is not text"),
        (lambda r: r.update(header_to="SECSTATE WASHDC"), "header_to is not a list of text"),
        (lambda r: r.update(type="memo"), "type 'memo' is not one of"),
        (lambda r: r["source_files"][0].update(encoding="klingon"), "encoding 'klingon' is not an encoding"),
        (lambda r: r["source_files"][0].update(sha256="0" * 64), "sha256 does not match source file 1"),
        (
            lambda r: r["source_files"][0].update(current=False),
            "a document needs its source files, exactly one of them current",
        ),
    ],
)
def test_a_record_an_import_would_refuse_is_reported_with_its_line(tmp_path, curated_archive, change, reason):
    path = tmp_path / "backup.jsonl"
    line = backup_with_cable(path, change)
    Document.objects.all().delete()

    out, err, code = restore(path)

    assert code == 1
    assert f":{line}: {reason}" in err
    assert "4 created, 0 updated, 1 failed" in out
    assert Document.objects.count() == 4


def test_a_tag_slug_taken_by_another_tag_gets_a_slug_of_its_own(tmp_path, curated_archive, client):
    path = tmp_path / "backup.jsonl"
    export(path)
    Document.objects.all().delete()
    Tag.objects.filter(name="Plan VRAE").delete()
    Tag.objects.create(name="plan-vrae", slug="plan-vrae")

    out, err, code = restore(path)

    assert code == 0, err
    assert "5 created" in out
    restored = Tag.objects.get(name="Plan VRAE")
    assert restored.slug != "plan-vrae"
    assert client.get(restored.get_absolute_url()).status_code == 200
    assert client.get(curated_archive["cable"].get_absolute_url()).status_code == 200


def test_a_tag_slug_no_url_can_hold_is_replaced(tmp_path, curated_archive, client):
    path = tmp_path / "backup.jsonl"
    backup_with_cable(path, lambda record: record["tags"][0].update(slug="not a/slug"))
    Document.objects.all().delete()
    Tag.objects.all().delete()

    _, err, code = restore(path)

    assert code == 0, err
    assert not Tag.objects.exclude(slug__regex=r"^[-a-zA-Z0-9_]+$").exists()
    assert client.get(f"/documents/{curated_archive['cable'].identifier}/").status_code == 200


def test_an_older_backup_without_later_fields_restores_with_their_defaults(tmp_path, curated_archive):
    path = tmp_path / "backup.jsonl"

    def as_older(records):
        for record in records:
            for name in ("note", "declassify_on", "header_text", "signature", "header_info"):
                record.pop(name)

    backup_with(path, as_older)
    Document.objects.all().delete()

    out, err, code = restore(path)

    assert code == 0, err
    assert "5 created" in out
    cable = Document.objects.get(identifier=curated_archive["cable"].identifier)
    assert (cable.note, cable.signature, cable.header_info, cable.declassify_on) == ("", "", [], None)


def test_a_restore_indexes_everything_in_one_commit(transactional_db, tmp_path, curated_archive):
    from archive.search.indexing import search_backend

    path = tmp_path / "backup.jsonl"
    export(path)
    Document.objects.all().delete()
    call_command("process_index_queue", verbosity=0)
    generation = search_backend().index.latest_generation()

    restore(path)

    assert search_backend().index.latest_generation() == generation + 1
    assert search_backend().searcher().doc_count() == 5
    assert not PendingIndexUpdate.objects.exists()
