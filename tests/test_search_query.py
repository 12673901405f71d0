"""The query language: what it finds on the seeds and corpus, and how it refuses bad input."""

from __future__ import annotations

import pytest

from archive.models import Document
from archive.search import searching
from archive.search.query import MAX_QUERY_LENGTH, Group, Not, Phrase, QueryProblem, Term, parse, repair
from tests.search_fixtures import *  # noqa: F403


def found(q: str, **kwargs) -> set[str]:
    outcome = searching.search(q, {}, page_size=100, **kwargs)
    return {result.document.identifier for result in outcome.results}


# Parsing, no database


@pytest.mark.parametrize(
    "q, tree",
    [
        ("vrae", Term("vrae")),
        ('"shining path"', Phrase("shining path")),
        ("coca OR cocaine", Group("OR", [Term("coca"), Term("cocaine")])),
        ("coca AND peru", Group("AND", [Term("coca"), Term("peru")])),
        ("peru -gates", Group("AND", [Term("peru"), Not(Term("gates"))])),
        ("peru NOT gates", Group("AND", [Term("peru"), Not(Term("gates"))])),
        ("(a1 OR b1) c1", Group("AND", [Group("OR", [Term("a1"), Term("b1")]), Term("c1")])),
        ("narco*", Term("narco", prefix=True)),
        ("terrorsim~", Term("terrorsim", fuzzy=1)),
        ("terrorsim~2", Term("terrorsim", fuzzy=2)),
        ("tag:MARR", Term("MARR", "tags")),
        ('origin:"Embassy Lima"', Phrase("Embassy Lima", "origin")),
        ("classification:SECRET", Term("SECRET", "classification")),
        ("ref:07LIMA3429", Term("07LIMA3429", "ref")),
        ('marking:"S//NF"', Phrase("S//NF", "markings")),
        (
            "title:gates type:cable source:andina",
            Group("AND", [Term("gates", "title"), Term("cable", "type"), Term("andina", "source")]),
        ),
        ("U.S.-Peru", Phrase("U.S Peru")),
        ("tag:(MARR OR PGOV)", Group("OR", [Term("MARR", "tags"), Term("PGOV", "tags")])),
        ("", None),
    ],
)
def test_queries_parse_into_terms_phrases_and_operators(q, tree):
    assert parse(q) == tree


@pytest.mark.parametrize(
    "q, message, suggestion",
    [
        ('"unclosed phrase', "quotation mark is not closed", '"unclosed phrase"'),
        ("AND OR (", "AND needs a search term", ""),
        ("peru AND", "AND needs a search term", "peru"),
        ("coca OR", "OR needs a search term", "coca"),
        ("(coca OR cocaine", "parenthesis is not closed", "coca OR cocaine"),
        ("coca)", "closing parenthesis has no opening", "coca"),
        ("()", "holds no search terms", ""),
        ("*", "would match everything", ""),
        ("a*", "at least 2 letters", "a"),
        ("tag:*", "would match everything", ""),
        ("coca~3", "1 or 2 differences", "coca~2"),
        ("coca~0.5", "1 or 2 differences", "coca~2"),
        ("ab*cd", "Only a * at the end", '"ab cd"'),
        ("foo:bar", "no field called 'foo'", "foo bar"),
        ("tag:", "needs a value", ""),
        ("peru\x00\x1b[31m", "control characters", '"peru 31m"'),
        ("NOT", "need a search term", ""),
        ("((((((((((peru))))))))))", "nested more than", ""),
        ("tag:M*", "at least 2 letters", "tag:M"),
        ('\\ "" -', "no words to search for", ""),
    ],
)
def test_malformed_queries_are_refused_with_a_message_and_a_suggestion(q, message, suggestion):
    with pytest.raises(QueryProblem) as problem:
        parse(q)

    assert message in problem.value.message
    assert problem.value.suggestion == suggestion


def test_a_long_paste_is_refused_with_its_first_words_as_the_suggestion():
    paste = "narcotics trafficking in the andes " * 150

    with pytest.raises(QueryProblem) as problem:
        parse(paste)

    assert f"limit is {MAX_QUERY_LENGTH}" in problem.value.message
    assert problem.value.suggestion.startswith("narcotics trafficking in the andes")
    assert len(problem.value.suggestion) <= MAX_QUERY_LENGTH
    parse(problem.value.suggestion)  # the suggestion itself runs


def test_too_many_terms_are_refused():
    with pytest.raises(QueryProblem, match="more than 40 terms"):
        parse(" ".join(f"w{i}" for i in range(60)))


def test_more_prefix_and_fuzzy_terms_than_allowed_are_refused_keeping_the_first():
    with pytest.raises(QueryProblem) as problem:
        parse("peru (se* OR co~ OR re*) tag:PG* coca", max_wildcards=2)

    assert "more than 2 prefix* and fuzzy~ terms" in problem.value.message
    assert problem.value.suggestion == "peru (se* OR co~1) coca"
    parse(problem.value.suggestion, max_wildcards=2)  # the suggestion itself runs


def test_prefix_and_fuzzy_terms_up_to_the_limit_are_accepted():
    assert parse("se* OR co~", max_wildcards=2) == Group("OR", [Term("se", prefix=True), Term("co", fuzzy=1)])


@pytest.mark.parametrize("q", ["peru AND", '"a b', "x OR OR y", "((a)", "tag:(", "-", "~~~", "**"])
def test_every_suggestion_parses(q):
    suggestion = repair(q)
    assert suggestion == "" or parse(suggestion) is not None


def test_lower_case_operators_are_words():
    assert parse("peace and war") == Group("AND", [Term("peace"), Term("and"), Term("war")])


# Searching the corpus


@pytest.mark.django_db
def test_a_word_finds_the_cable_with_its_paragraphs(search_index):
    outcome = searching.search("VRAE", {})

    lima = next(r for r in outcome.results if r.document.identifier == "07LIMA3429")
    numbers = [hit.number for hit in lima.paragraphs]
    assert {1, 2} <= set(numbers)
    assert lima.paragraphs[0].url == "/documents/07LIMA3429/?hl=VRAE#p2"
    assert "<mark>VRAE</mark>" in lima.paragraphs[1].snippet


@pytest.mark.django_db
def test_a_phrase_finds_only_the_words_together(search_index):
    phrase = found('"drug trafficking"')
    words = found("drug trafficking")

    assert "2014-12-15-us-assists-peruvian-military-in-its-counter-narcotics-fight" in phrase
    assert phrase < words or phrase == words
    assert found('"trafficking drug"') < words


@pytest.mark.django_db
def test_or_widens_and_not_narrows(search_index):
    coca, cocaine = found("coca"), found("cocaine")

    assert found("coca OR cocaine") == coca | cocaine
    assert found("coca AND cocaine") == coca & cocaine
    assert found("cocaine -peru") == {i for i in cocaine if i not in found("peru")}
    assert found("cocaine NOT peru") == found("cocaine -peru")
    assert found("(coca OR cocaine) AND -peru") == (coca | cocaine) - found("peru")


@pytest.mark.django_db
def test_a_negative_query_alone_finds_everything_else(search_index):
    assert len(found("-peru")) == Document.objects.count() - len(found("peru"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "q, expected",
    [
        ("tag:MARR", {"07LIMA3429", "08ANKARA1167", "08BUENOSAIRES1305"}),
        ("tag:marr", {"07LIMA3429", "08ANKARA1167", "08BUENOSAIRES1305"}),
        ('origin:"Embassy Lima"', {"07LIMA3429"}),
        ("ref:08TRIPOLI960", {"09TRIPOLI47"}),
        ('ref:"SANAA 01995"', {"09SANAA2230"}),
        ("source:andina", {"2022-10-06-peru-united-states-work-together-against-crime-and-drug-trafficking"}),
        ("title:gates type:cable", {"07LIMA3429", "08KABUL3176"}),
    ],
)
def test_field_queries_search_one_field(search_index, q, expected):
    assert found(q) == expected


@pytest.mark.django_db
def test_a_field_applies_to_a_group_of_values(search_index):
    assert found("origin:(lima OR bogota)") == {"07LIMA3429", "06BOGOTA9120"}
    assert found("tag:(MARR PE)") == {"07LIMA3429"}


@pytest.mark.django_db
def test_classification_and_marking_fields_match_the_database(search_index):
    secret = Document.objects.filter(classification__icontains="SECRET").exclude(
        classification__icontains="UNCLASSIFIED"
    )
    marked = Document.objects.filter(paragraphs__marking="S/NF").distinct()

    assert found("classification:SECRET") == set(secret.values_list("identifier", flat=True))
    assert found("marking:S/NF") == set(marked.values_list("identifier", flat=True))
    assert found("tag:PGOV classification:secret") == set(
        secret.filter(tags__name="PGOV").values_list("identifier", flat=True)
    )


@pytest.mark.django_db
def test_a_prefix_finds_every_word_that_starts_with_it(search_index):
    prefixed = found("narcotraf*")

    assert "07LIMA3429" in prefixed  # narcotraffickers
    assert found("narcotraffickers") <= prefixed


@pytest.mark.django_db
def test_a_fuzzy_word_forgives_typing_mistakes(search_index):
    assert "07LIMA3429" in found("narcotrafickers~")
    assert found("cooperaton~") == found("cooperation")
    assert found("cooperaton") == set()


@pytest.mark.django_db
def test_a_prefix_that_matches_too_many_words_is_refused(search_index, settings):
    settings.ARCHIVE_SEARCH_MAX_EXPANSIONS = 5

    with pytest.raises(QueryProblem, match="too many different words") as problem:
        searching.search("co*", {})
    assert problem.value.suggestion == "co"


def words_starting(backend, prefix: str) -> int:
    return sum(1 for _ in backend.searcher().reader().expand_prefix("text", prefix))


@pytest.mark.django_db
def test_prefixes_that_together_match_too_many_words_are_refused(search_index, settings):
    most = max(words_starting(search_index, "co"), words_starting(search_index, "pr"))
    settings.ARCHIVE_SEARCH_MAX_EXPANSIONS = most + 1
    assert found("co*") and found("pr*")  # each alone is within the limit

    with pytest.raises(QueryProblem, match="together match more than") as problem:
        searching.search("co* OR pr*", {})
    assert problem.value.suggestion == "co* OR pr"


@pytest.mark.django_db
def test_highlighted_snippets_are_escaped_text_with_only_mark(search_index):
    lima = Document.objects.get(identifier="07LIMA3429")
    paragraph = lima.paragraphs.get(number=2)
    paragraph.text = "<script>alert('VRAE')</script> &amp; <b>bold</b> VRAE " + paragraph.text
    paragraph.save()
    from archive.search.indexing import drain_queue

    drain_queue()

    result = searching.search("VRAE", {}).results[0]
    html = str(result.snippet) + "".join(str(hit.snippet) for hit in result.paragraphs)
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "&amp;amp;" in html
    stripped = html.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in stripped


@pytest.mark.django_db
def test_stopwords_alone_find_nothing_without_an_error(search_index):
    assert searching.search("the of and", {}).count == 0
