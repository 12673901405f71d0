"""`import_documents`: faithful, idempotent, one transaction per file, clear about bad files."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import socket
import threading

import pytest
from django.core.management import call_command

from archive.importers import loader
from archive.models import Document, Paragraph, Tag
from tests.conftest import CORPUS, SEED_FILES, SEEDS, corpus_pages

pytestmark = pytest.mark.django_db


def run_import(*paths, **options) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("import_documents", *[str(p) for p in paths], stdout=out, stderr=err, **options)
    except SystemExit as exc:
        code = exc.code
    return out.getvalue(), err.getvalue(), code


# The seed table ---------------------------------------------------------------------------------


def test_seed_000_is_an_afps_article(seeds):
    doc = seeds["afps"]
    assert doc.type == "article"
    assert doc.source.name == "American Forces Press Service"
    assert doc.title == "Gates Meets With Peruvian Leaders, Discusses Security Issues in Peru"
    assert (doc.byline, doc.dateline, doc.date) == ("Fred W. Baker III", "LIMA, Peru", dt.date(2007, 10, 6))
    paragraphs = list(doc.paragraphs.all())
    assert len(paragraphs) == 12
    assert paragraphs[-1].text.endswith("rendered to national defense.")


def test_seed_001_is_an_afps_article_on_dod_news(seeds):
    doc = seeds["dod"]
    assert doc.type == "article"
    assert doc.source.name == "American Forces Press Service"
    assert doc.venue == "DoD News"
    assert doc.title == "Rumsfeld in Peru to Discuss Mutual Security Interests"
    assert (doc.byline, doc.dateline, doc.date) == ("Donna Miles", "LIMA, Peru", dt.date(2005, 8, 18))
    paragraphs = list(doc.paragraphs.all())
    assert len(paragraphs) == 11
    assert paragraphs[-1].text.endswith('every chance of succeeding."')


def test_seed_002_is_cable_07lima3429(seeds):
    doc = seeds["cable"]
    assert (doc.type, doc.identifier) == ("cable", "07LIMA3429")
    assert doc.source.name == "WikiLeaks Cablegate"
    assert doc.title == "MOD BRIEFS SECRETARY GATES ON PLANS TO ENHANCE INTERNAL SECURITY"
    assert doc.origin == "Embassy Lima"
    assert doc.classification == "CONFIDENTIAL"
    assert doc.created == dt.datetime(2007, 10, 17, 17, 4, tzinfo=dt.UTC)
    assert doc.released == dt.datetime(2011, 8, 30, 1, 44, tzinfo=dt.UTC)


def test_cable_paragraphs_keep_the_cables_own_numbers_and_markings(seeds):
    paragraphs = list(seeds["cable"].paragraphs.all())
    assert [p.number for p in paragraphs] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert [p.anchor for p in paragraphs] == [f"p{n}" for n in range(1, 9)]
    assert {p.marking for p in paragraphs} == {"C"}
    assert paragraphs[4].text.startswith("Like the VRAE")


def test_cable_section_headings_sit_on_the_paragraph_below_them(seeds):
    headings = {p.number: p.heading for p in seeds["cable"].paragraphs.all() if p.heading}
    assert headings == {
        2: "A Multi-Faceted Approach -- Plan VRAE",
        3: "Putumayo, Huallaga, and Costa Norte",
        6: "GOP Wish List",
        8: "Comment",
    }


def test_cable_header_and_body_metadata(seeds):
    doc = seeds["cable"]
    assert list(doc.tags.values_list("name", flat=True).order_by("name")) == sorted(
        ["PGOV", "MARR", "KICC", "PREL", "PE"]
    )
    assert set(doc.tags.values_list("kind", flat=True)) == {"subject"}
    assert doc.header_from == "AMEMBASSY LIMA"
    assert doc.header_to == ["SECSTATE WASHDC"]
    assert "SECDEF WASHDC" in doc.header_info
    assert "CDR USCINCSO MIAMI FL" in doc.header_info
    assert doc.declassify_on == dt.date(2017, 3, 22)
    assert doc.signature == "NEALON"


def test_no_site_chrome_in_any_cable_paragraph(seeds):
    text = "\n".join(seeds["cable"].paragraphs.values_list("text", flat=True))
    for chrome in ("Community resources", "Understanding cables", "courage is contagious", "Reference ID"):
        assert chrome not in text


def test_seed_003_is_an_andina_article(seeds):
    doc = seeds["andina"]
    assert doc.source.name == "Andina"
    assert doc.title == "Peru, United States work together against crime and drug trafficking"
    assert (doc.byline, doc.dateline, doc.date) == ("", "Lima", dt.date(2022, 10, 6))
    assert doc.paragraphs.count() == 16


def test_seed_004_is_a_dialogo_article_without_its_repeated_half(seeds):
    doc = seeds["dialogo"]
    assert doc.source.name == "Diálogo"
    assert doc.title == "U.S. Assists Peruvian Military in Its Counter-Narcotics Fight"
    assert (doc.byline, doc.date) == ("Dialogo", dt.date(2014, 12, 15))
    texts = list(doc.paragraphs.values_list("text", flat=True))
    assert len(texts) == 15
    assert len(set(texts)) == 15


def test_seed_004_headings_cover_the_last_four_paragraphs(seeds):
    heading = "United Nations praises Peru for its progress fighting narco-trafficking"
    under = [p.number for p in seeds["dialogo"].paragraphs.all() if p.heading == heading]
    assert under == [12, 13, 14, 15]


def test_line_wrap_breaks_inside_a_sentence_are_mended(seeds):
    text = "\n".join(seeds["dialogo"].paragraphs.values_list("text", flat=True))
    assert "Ban Ki-moon" in text
    assert "Marine Corps Times." in text
    assert "Times\n." not in text


def test_source_typos_are_kept(seeds):
    text = "\n".join(seeds["afps"].paragraphs.values_list("text", flat=True))
    assert "Columbia is the top producer" in text
    assert "said said" in text


@pytest.mark.parametrize("name", sorted(SEED_FILES))
def test_original_file_is_kept_byte_for_byte(seeds, name):
    raw = SEED_FILES[name].read_bytes()
    doc = seeds[name]
    file = doc.current_file
    assert bytes(file.data) == raw
    assert file.sha256 == hashlib.sha256(raw).hexdigest()
    assert file.file_name == SEED_FILES[name].name


def test_articles_get_readable_identifiers_from_date_and_title(seeds):
    assert seeds["andina"].identifier == (
        "2022-10-06-peru-united-states-work-together-against-crime-and-drug-trafficking"
    )


# The sample corpus ------------------------------------------------------------------------------


def test_every_corpus_page_imports():
    out, err, code = run_import(CORPUS)
    assert code == 0, err
    assert Document.objects.cables().count() == len(corpus_pages()) == 38
    assert err == ""


def test_corpus_cables_have_paragraphs_and_valid_anchors():
    run_import(CORPUS)
    for doc in Document.objects.prefetch_related("paragraphs"):
        paragraphs = list(doc.paragraphs.all())
        assert paragraphs, doc.identifier
        assert all(p.anchor == f"p{p.number}" for p in paragraphs)


# Idempotency and updates ------------------------------------------------------------------------


def test_importing_the_same_files_twice_changes_nothing():
    run_import(SEEDS)
    before = list(
        Document.objects.values_list("identifier", "source_files__sha256", "updated_at").order_by(
            "identifier"
        )
    )
    paragraphs = Paragraph.objects.count()
    out, _, code = run_import(SEEDS)
    assert code == 0
    assert "0 created, 0 updated, 0 added, 5 unchanged, 0 failed" in out
    assert (
        list(
            Document.objects.values_list("identifier", "source_files__sha256", "updated_at").order_by(
                "identifier"
            )
        )
        == before
    )
    assert Paragraph.objects.count() == paragraphs


def test_a_changed_file_updates_its_document_and_keeps_staff_tags(tmp_path, import_file):
    copy = tmp_path / SEED_FILES["cable"].name
    shutil.copy(SEED_FILES["cable"], copy)
    import_file(copy)
    doc = Document.objects.get(identifier="07LIMA3429")
    doc.tags.add(Tag.objects.create(name="VRAE", kind=Tag.Kind.TOPIC))

    copy.write_text(copy.read_text(encoding="utf-8").replace("NEALON", "NEALON\n"), encoding="utf-8")
    result = import_file(copy)

    assert (result.status, result.identifier) == ("updated", "07LIMA3429")
    assert Document.objects.filter(identifier="07LIMA3429").count() == 1
    doc.refresh_from_db()
    assert "VRAE" in doc.tags.values_list("name", flat=True)
    assert "PGOV" in doc.tags.values_list("name", flat=True)
    assert bytes(doc.current_file.data) == copy.read_bytes()


def test_an_article_whose_title_changes_is_another_article(tmp_path, import_file):
    copy = tmp_path / SEED_FILES["andina"].name
    shutil.copy(SEED_FILES["andina"], copy)
    first = import_file(copy)
    copy.write_text(
        copy.read_text(encoding="utf-8").replace("work together", "work closely together"), encoding="utf-8"
    )
    second = import_file(copy)
    assert second.status == "created"
    assert second.identifier != first.identifier
    assert Document.objects.count() == 2


def test_replace_makes_a_file_the_new_version_of_the_article_it_names(tmp_path, import_file):
    copy = tmp_path / SEED_FILES["andina"].name
    shutil.copy(SEED_FILES["andina"], copy)
    first = import_file(copy)
    copy.write_text(
        copy.read_text(encoding="utf-8").replace("work together", "work closely together"), encoding="utf-8"
    )
    second = import_file(copy, replace=first.identifier)
    assert (second.status, second.identifier) == ("updated", first.identifier)
    assert Document.objects.count() == 1
    assert "work closely together" in Document.objects.get().title


# Atomicity and bad files -----------------------------------------------------------------------


def test_a_file_that_fails_half_way_leaves_nothing_behind(monkeypatch, import_file):
    def explode(document, parsed):
        raise RuntimeError("disk full")

    monkeypatch.setattr(loader, "apply_file_tags", explode)
    result = import_file(SEED_FILES["cable"])
    assert result.status == "failed"
    assert "disk full" in result.reason
    assert not Document.objects.exists()
    assert not Paragraph.objects.exists()


def test_one_bad_file_does_not_stop_the_others(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    shutil.copy(SEED_FILES["andina"], tmp_path / "andina.txt")
    out, err, code = run_import(tmp_path)
    assert code == 1
    assert Document.objects.count() == 1
    assert "1 created, 0 updated, 0 added, 0 unchanged, 1 failed" in out
    assert "empty.txt: file is empty" in err


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "file is empty"),
        (b"   \n\n\t\n", "file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "file is binary"),
        (b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64, "file is binary"),
    ],
)
def test_bad_files_get_a_one_line_reason(tmp_path, content, reason):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    _, err, code = run_import(bad)
    assert code == 1
    assert reason in err
    assert len(err.strip().splitlines()) == 1
    assert not Document.objects.exists()


def test_a_file_gone_before_it_is_read_gets_a_reason(tmp_path):
    result = loader.import_file(tmp_path / "gone.txt")
    assert result.status == "failed"
    assert result.reason == "file cannot be read: No such file or directory"


def test_a_file_above_the_size_limit_is_refused(tmp_path, settings):
    settings.ARCHIVE_MAX_IMPORT_BYTES = 1000
    result = loader.import_file(SEED_FILES["cable"])
    assert result.status == "failed"
    assert "above the 1,000-byte limit" in result.reason


def test_windows_1252_files_import_with_a_warning_and_keep_their_bytes(tmp_path, import_file):
    text = SEED_FILES["afps"].read_text(encoding="utf-8")
    raw = text.encode("cp1252", errors="replace")
    legacy = tmp_path / "legacy.txt"
    legacy.write_bytes(raw)
    result = import_file(legacy)
    assert result.status == "created"
    assert any("Windows-1252" in w for w in result.warnings)
    doc = Document.objects.get(identifier=result.identifier)
    assert bytes(doc.current_file.data) == raw
    assert "country’s rivers" in doc.current_file.text


def test_unknown_layouts_become_generic_articles(tmp_path, import_file):
    memo = tmp_path / "memo.txt"
    memo.write_text(
        "Notes on the riverine program review\n\nThe review met in Iquitos.\n\nIt agreed three things.\n",
        encoding="utf-8",
    )
    result = import_file(memo)
    doc = Document.objects.get(identifier=result.identifier)
    assert doc.type == "article"
    assert doc.title == "Notes on the riverine program review"
    assert doc.paragraphs.count() == 2


def test_dry_run_parses_and_writes_nothing():
    out, _, code = run_import(SEEDS, dry_run=True)
    assert code == 0
    assert "dry run: 5 parsed, 0 failed; nothing written" in out
    assert not Document.objects.exists()


def test_a_missing_path_is_a_clear_command_error():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no such file or directory"):
        call_command("import_documents", "/nonexistent/quipu")


def test_a_collections_readme_is_not_imported_as_a_document(tmp_path):
    collection = tmp_path / "corpus"
    shutil.copytree(CORPUS, collection)
    (collection / "README.md").write_text("# Sample corpus\n\nReal Cablegate cable pages, byte for byte.\n")
    _, err, code = run_import(collection)
    assert code == 0, err
    assert Document.objects.count() == 38
    assert not Document.objects.articles().exists()


def test_a_collections_json_manifest_is_skipped_not_imported_as_an_article(tmp_path):
    # A set of pages often comes with its ground truth or an export of records beside it.
    collection = tmp_path / "corpus"
    shutil.copytree(CORPUS, collection)
    manifest = [{"id": "07LIMA3429", "classification": "CONFIDENTIAL", "tags": ["PGOV", "PREL"]}] * 3
    (collection / "manifest.jsonl").write_text("\n".join(json.dumps(row) for row in manifest) + "\n")
    (collection / "records.json").write_text(json.dumps({"cables": manifest}, indent=2))
    out, err, code = run_import(collection)
    assert code == 0, err
    assert Document.objects.count() == 38
    assert not Document.objects.articles().exists()
    assert "manifest.jsonl: JSON data, not a document" in out + err
    assert "records.json: JSON data, not a document" in out + err


def test_an_article_that_opens_with_a_brace_is_still_an_article(tmp_path):
    page = tmp_path / "article.txt"
    page.write_text("{Editor's note: updated}\n\nPeru and the United States signed an accord on Friday.\n")
    _, err, code = run_import(page)
    assert code == 0, err
    assert Document.objects.articles().count() == 1


# What is not a regular file --------------------------------------------------------------------
# A directory handed over for import may hold links to private files (the site's secret key,
# system files) or special files: none of them is followed or opened.


@pytest.fixture
def private_file(tmp_path):
    """A file outside the directory being imported, as a link in it could point to."""
    private = tmp_path / "private"
    private.mkdir()
    secret = private / "secret_key"
    secret.write_text("Private key notes\n\nkeep-this-out-of-the-archive-0123456789\n", encoding="utf-8")
    return secret


def test_links_in_a_directory_are_skipped_and_reported(tmp_path, private_file):
    documents = tmp_path / "documents"
    documents.mkdir()
    shutil.copy(SEED_FILES["andina"], documents / "andina.txt")
    (documents / "key_notes.txt").symlink_to(private_file)
    (documents / "afps.txt").symlink_to(SEED_FILES["afps"])
    (documents / "elsewhere").symlink_to(private_file.parent, target_is_directory=True)

    out, err, code = run_import(documents)

    assert Document.objects.count() == 1
    assert not Document.objects.filter(title__contains="Private key").exists()
    assert f"skipped    {documents / 'key_notes.txt'}: is a symbolic link (not followed)" in out
    assert f"skipped    {documents / 'afps.txt'}: is a symbolic link (not followed)" in out
    assert f"skipped    {documents / 'elsewhere'}: is a symbolic link (not followed)" in out
    assert "1 created, 0 updated, 0 added, 0 unchanged, 0 failed, 3 skipped" in out
    assert code == 0, err


def test_a_link_named_on_the_command_line_is_skipped(tmp_path, private_file):
    link = tmp_path / "passwd.txt"
    link.symlink_to(private_file)
    out, _, code = run_import(link)
    assert f"skipped    {link}: is a symbolic link (not followed)" in out
    assert not Document.objects.exists()
    assert code == 0


def test_a_socket_in_a_directory_is_skipped(tmp_path):
    documents = tmp_path / "documents"
    documents.mkdir()
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind(str(documents / "control.txt"))
        out, _, code = run_import(documents)
    assert f"skipped    {documents / 'control.txt'}: is a socket" in out
    assert code == 0


def test_a_fifo_named_on_the_command_line_is_skipped_without_opening_it(tmp_path):
    fifo = tmp_path / "cable.txt"
    os.mkfifo(fifo)
    done = threading.Event()

    def feed_a_reader():
        """Were the importer to open the pipe, it would read a whole article from it."""
        while not done.is_set():
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # no reader yet
                done.wait(0.05)
                continue
            with os.fdopen(fd, "wb") as pipe:
                pipe.write(SEED_FILES["andina"].read_bytes())
            return

    feeder = threading.Thread(target=feed_a_reader, daemon=True)
    feeder.start()
    try:
        result = loader.import_file(fifo)
    finally:
        done.set()
        feeder.join()
    assert (result.status, result.reason) == ("skipped", "is a named pipe (FIFO)")
    assert not Document.objects.exists()


@pytest.mark.parametrize("file_format", ["cablegate-csv", "archive-jsonl"])
def test_a_link_is_refused_as_a_csv_or_backup_file(tmp_path, private_file, file_format):
    from django.core.management.base import CommandError

    link = tmp_path / "cables.csv"
    link.symlink_to(private_file)
    with pytest.raises(CommandError, match="not a link"):
        call_command("import_documents", str(link), format=file_format)
