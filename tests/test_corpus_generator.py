"""The synthetic cables.csv: format, determinism and the shape of 2,000 generated cables."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import statistics
from collections import Counter

import pytest

from tools import corpus_generator as gen

COUNT = 2000
SEED = 1
REAL_SHARES = {  # the release: 251,287 cables
    "UNCLASSIFIED": 0.302,
    "UNCLASSIFIED//FOR OFFICIAL USE ONLY": 0.231,
    "CONFIDENTIAL": 0.386,
    "CONFIDENTIAL//NOFORN": 0.019,
    "SECRET": 0.045,
    "SECRET//NOFORN": 0.017,
}
PARAGRAPH = re.compile(r"^(?:\u00b6)?(?P<number>\d+)\. ?\((?P<marking>[A-Z/ ]+)\) ", re.M)
REFERENCE_ID = re.compile(r"(?P<year>\d{2})(?P<code>[A-Z]+)(?P<serial>[1-9]\d*)")


def generate(count: int, seed: int) -> str:
    out = io.StringIO(newline="")
    gen.write_corpus(out, count, seed)
    return out.getvalue()


def read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), dialect=gen.CablesDialect))


@pytest.fixture(scope="module")
def text() -> str:
    return generate(COUNT, SEED)


@pytest.fixture(scope="module")
def rows(text) -> list[list[str]]:
    return read(text)


@pytest.fixture(scope="module")
def cables() -> list[gen.Cable]:
    return list(gen.iter_cables(COUNT, SEED))


def tags_of(body: str) -> list[str]:
    return re.search(r"^TAGS: (.*)$", body, re.M).group(1).split()


# --- Format ---------------------------------------------------------------------------------


def test_every_row_parses_to_exactly_eight_fields_with_no_header_row(rows):
    assert len(rows) == COUNT
    assert all(len(row) == 8 for row in rows)
    assert [row[0] for row in rows] == [str(n) for n in range(1, COUNT + 1)]


def test_the_file_is_written_in_the_release_dialect(text, rows, cables):
    assert text.startswith('"1","') and text.endswith('"\n')
    # Every field quoted: re-writing the parsed rows with QUOTE_ALL gives the same bytes.
    again = io.StringIO(newline="")
    csv.writer(again, dialect=gen.CablesDialect).writerows(rows)
    assert again.getvalue() == text
    assert rows == [cable.row() for cable in cables]


def test_quotes_backslashes_and_newlines_survive_the_round_trip(text, rows):
    bodies = [row[7] for row in rows]
    assert any('"' in body for body in bodies) and '\\"' in text
    assert any("\\" in body for body in bodies) and "\\\\" in text
    assert all("\n" in row[6] and "\n" in row[7] for row in rows)


def test_created_is_mm_dd_yyyy_hh_mm(rows):
    for row in rows:
        assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", row[1]), row[1]


def test_same_seed_same_file_other_seed_other_file():
    assert generate(150, 7) == generate(150, 7)
    assert generate(150, 7) != generate(150, 8)


def test_cables_are_streamed_not_built_up_front():
    first = list(itertools.islice(gen.iter_cables(10**9, SEED), 3))
    assert [cable.internal_id for cable in first] == [1, 2, 3]


def test_state_between_cables_stays_bounded():
    generator = gen.CorpusGenerator(5000, SEED)
    for _ in generator:
        pass
    recent_by_post = generator.recent_by_post.values()
    assert all(len(recent) <= generator.RECENT_PER_POST for recent in recent_by_post)
    assert len(generator.recent) <= generator.RECENT_GLOBAL
    assert len(generator.serials) <= len(gen.POSTS) * len(gen.YEAR_WEIGHTS)


# --- Identity and references ----------------------------------------------------------------


def test_reference_ids_are_unique_and_follow_year_post_serial(rows):
    posts = {post.origin: post for post in gen.POSTS}
    identifiers = [row[2] for row in rows]
    assert len(set(identifiers)) == len(identifiers)
    for row in rows:
        match = REFERENCE_ID.fullmatch(row[2])
        assert match, row[2]
        assert match["year"] == row[1][8:10]
        assert match["code"] == posts[row[3]].code


def test_references_name_earlier_cables_of_the_corpus_and_some_it_lacks(rows):
    position = {row[2]: index for index, row in enumerate(rows)}
    with_references = [row for row in rows if row[5]]
    assert 0.25 < len(with_references) / len(rows) < 0.6  # often empty, as in the release
    listed_in_all = []
    for row in with_references:
        listed = row[5].split("|")
        assert len(set(listed)) == len(listed)
        assert all(position[ref] < position[row[2]] for ref in listed if ref in position)
        assert re.search(r"^REF: ", row[7], re.M)
        listed_in_all += listed
    lacking = [ref for ref in listed_in_all if ref not in position]
    assert 0.05 < len(lacking) / len(listed_in_all) < 0.25, len(lacking)
    assert all(REFERENCE_ID.fullmatch(ref) for ref in lacking)


def test_rows_are_in_chronological_order(rows):
    created = [dt.datetime.strptime(row[1], "%m/%d/%Y %H:%M") for row in rows]
    assert created == sorted(created)


# --- Shape ----------------------------------------------------------------------------------


def test_about_250_origins_with_zipf_like_frequencies(rows):
    assert 240 <= len(gen.POSTS) <= 275
    assert len({post.origin for post in gen.POSTS}) == len(gen.POSTS)
    counts = Counter(row[3] for row in rows)
    per_post = sorted((counts.get(post.origin, 0) for post in gen.POSTS), reverse=True)
    median = statistics.median(per_post)
    assert statistics.mean(per_post[:5]) >= 5 * median
    assert len(counts) >= 200  # the long tail shows up too
    assert {"Embassy Lima", "Secretary of State", "Embassy The Hague", "Mission USNATO"} <= {
        post.origin for post in gen.POSTS
    }


def test_about_300_tags_with_zipf_like_frequencies(rows):
    assert 280 <= len(gen.ALL_TAGS) <= 330
    counts = Counter(tag for row in rows for tag in tags_of(row[7]))
    assert set(counts) <= set(gen.ALL_TAGS)
    per_tag = sorted((counts.get(tag, 0) for tag in gen.ALL_TAGS), reverse=True)
    assert per_tag[0] >= 10 * statistics.median(per_tag)
    assert counts.most_common(1)[0][0] in {"PREL", "PGOV"}


def test_classification_mix_is_close_to_the_release(rows):
    counts = Counter(row[4] for row in rows)
    assert set(counts) == set(REAL_SHARES)
    for name, share in REAL_SHARES.items():
        assert abs(counts[name] / len(rows) - share) < 0.03, name


def test_dates_run_from_1985_to_2010_and_skew_late(rows):
    years = Counter(int(row[1][6:10]) for row in rows)
    assert min(years) >= 1985 and max(years) <= 2010
    assert sum(n for year, n in years.items() if year >= 2005) / len(rows) >= 0.8
    assert {year for year, _ in years.most_common(2)} == {2008, 2009}
    last = max(dt.datetime.strptime(row[1], "%m/%d/%Y %H:%M") for row in rows)
    assert last <= gen.LAST_CREATED


def test_4_to_15_numbered_paragraphs_marked_at_or_below_the_classification(rows):
    for row in rows:
        found = PARAGRAPH.findall(row[7])
        assert 4 <= len(found) <= 15, row[2]
        assert [int(number) for number, _ in found] == list(range(1, len(found) + 1))
        own, lower = gen.PARAGRAPH_MARKINGS[row[4]]
        assert {marking for _, marking in found} <= set(own) | set(lower), row[2]


def test_markings_vary_as_in_the_release(rows):
    markings = Counter(marking for row in rows for _, marking in PARAGRAPH.findall(row[7]))
    secret_noforn = [row for row in rows if row[4] == "SECRET//NOFORN"]
    assert secret_noforn, "no SECRET//NOFORN cable in the sample"
    assert markings["S/NF"] > markings["S//NF"] > 0  # the release prints S/NF far more often
    assert markings["U"] > sum(1 for row in rows if row[4] == "UNCLASSIFIED")  # lower levels too


def test_mean_size_is_about_6_5_kb(text, rows):
    mean = len(text.encode("utf-8")) / len(rows) / 1024
    assert 5.5 <= mean <= 7.5
    sizes = [len(row[7]) for row in rows]
    assert min(sizes) < 2500 and max(sizes) > 12000  # short and long cables, as in the release


def test_header_and_body_look_like_cables(rows, cables):
    posts = {post.origin: post for post in gen.POSTS}
    for row, cable in zip(rows, cables, strict=True):
        header, body, post = row[6], row[7], posts[row[3]]
        assert f"\nFM {post.fm}\n" in header
        assert re.search(r"^[ROP] \d{6}Z [A-Z]{3} \d{2}$", header, re.M)
        assert re.search(r"^TO ", header, re.M)
        banner = body.split("\n", 1)[0]
        assert banner.startswith(("UNCLAS", "C O N F I D E N T I A L", "S E C R E T"))
        serial = int(REFERENCE_ID.fullmatch(row[2])["serial"])
        assert banner.rstrip().endswith(f"{post.banner} {serial:06d}")
        classified = not row[4].startswith("UNCLASSIFIED")
        assert ("Classified By: " in body) == classified
        assert re.search(r"^E\.O\. 12\d{3}: " + ("DECL" if classified else "N/A"), body, re.M)
        if row[4].endswith("//NOFORN"):
            assert "\nNOFORN\n" in body.split("TAGS:")[0]
        assert body.rstrip("\n").rsplit("\n", 1)[1] == cable.signature
        assert cable.signature.isupper() and cable.signature.isalpha()


def test_state_cables_are_signed_by_the_secretary_of_the_day(cables):
    state = [cable for cable in cables if cable.origin == "Secretary of State"]
    assert state
    for cable in state:
        day = cable.created.date()
        assert cable.signature == [name for start, name in gen.SECRETARIES if start <= day][-1]
    since_2009 = [c for c in state if c.created >= dt.datetime(2009, 2, 1)]
    assert since_2009 and {c.signature for c in since_2009} == {"CLINTON"}


def test_security_vocabulary_common_terms_common_rare_terms_rare(rows):
    def share(term: str) -> float:
        pattern = re.compile(r"\b" + re.escape(term) + r"\b", re.IGNORECASE)
        return sum(1 for row in rows if pattern.search(row[7])) / len(rows)

    common = [
        "terrorism",
        "drug trafficking",
        "counter-narcotics",
        "peacekeeping",
        "military training",
    ]
    rare = ["Shining Path", "VRAE", "Plan Colombia", "riverine", "coca eradication", "demining"]
    for term in common:
        assert 0.05 <= share(term) <= 0.5, term
    for term in rare:
        assert 0.001 <= share(term) <= 0.04, term
    assert min(share(t) for t in common) > 2 * max(share(t) for t in rare)
    assert 0.02 <= share("arms sales") <= 0.2


# --- Against the real parsers -----------------------------------------------------------------


def test_the_cable_parser_reads_what_the_generator_meant(cables):
    cables_module = pytest.importorskip("archive.importers.cables")
    for cable in cables[:200]:
        parsed = cables_module.parse_cable(
            cable.header,
            cable.body,
            identifier=cable.identifier,
            created=cable.created.replace(tzinfo=dt.UTC),
            released=None,
            classification=cable.classification,
            origin=cable.origin,
        )
        assert len(parsed.paragraphs) == len(cable.markings), cable.identifier
        assert [p.number for p in parsed.paragraphs] == list(range(1, len(cable.markings) + 1))
        assert [p.marking for p in parsed.paragraphs] == cable.markings, cable.identifier
        assert parsed.tags == cable.tags, cable.identifier
        assert " ".join(parsed.subject.split()) == cable.subject, cable.identifier


def test_the_csv_importer_parses_generated_rows(text):
    cablegate_csv = pytest.importorskip("archive.importers.cablegate_csv")
    items = list(cablegate_csv.read_rows(io.StringIO(text, newline="")))
    assert len(items) == COUNT
    assert not [item for item in items if isinstance(item, cablegate_csv.RowProblem)]
    for item in items[:50]:
        parsed = cablegate_csv.parse_row(item)
        assert parsed.identifier == item.fields[2]
        listed = [ref for ref in item.fields[5].split("|") if ref]
        assert set(listed) <= {r.reference_id for r in parsed.references}


# --- The command ------------------------------------------------------------------------------


def test_command_writes_the_file_and_a_summary(tmp_path):
    from django.core.management import call_command

    out = tmp_path / "cables.csv"
    stdout = io.StringIO()
    args = ["--count", "40", "--seed", "3", "--out", str(out)]
    call_command("generate_corpus", *args, stdout=stdout)
    assert out.read_text(encoding="utf-8") == generate(40, 3)
    assert not list(tmp_path.glob("*.partial"))
    summary = stdout.getvalue()
    assert "40 cables" in summary and "MB" in summary and "cables/s" in summary


def test_command_refuses_a_bad_count_or_directory(tmp_path):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="--count"):
        call_command("generate_corpus", "--count", "0", "--out", str(tmp_path / "c.csv"))
    with pytest.raises(CommandError, match="no such directory"):
        missing = tmp_path / "missing" / "c.csv"
        call_command("generate_corpus", "--count", "5", "--out", str(missing))
