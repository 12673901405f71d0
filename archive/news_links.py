"""News and cables linked both ways: an article that names a cable, quotes it, or reports the
same event.

- **Names**: a reference ID as the press writes it ("07LIMA3429", "07 LIMA 3429", "cable
  07LIMA3429"), of an office the archive knows.
- **Quotes**: twelve or more consecutive words of a cable paragraph, whatever the case,
  punctuation, hyphenation and line breaks (archive.text_match). A passage that stands word
  for word in more than QUOTED_IN_AT_MOST cables is a post's stock sentence or a template, not
  a quotation of one cable: it links none of them, unless the article names the cable.
- **Same event**: an article and a cable a few weeks apart, of overlapping places, naming the
  same people; a weaker link, shown with its evidence and a score.

Links are kept by reference ID (DocumentLink), so an article imported before its cable points
at it when it arrives. `link_document` finds the links of one imported document, in both
directions; `relink_all` recomputes every link of the archive (`manage.py relink`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import Q

from archive.models import Document, DocumentLink, Paragraph
from archive.text_match import QUOTE_WORDS, distinctive, run_hashes, shared_runs, tokens, words

# "07LIMA3429", "07 LIMA 3429", "07-LIMA-3429", "07 THE HAGUE 1548": two-digit year, office, serial.
_NAMED = re.compile(
    r"(?<![\w/])(?P<year>\d{2})(?P<sep>[ -]?)(?P<office>[A-Z]{3,}(?:[ -][A-Z]{2,}){0,2})"
    r"(?P=sep)0*(?P<serial>\d{1,7})(?![\w/])"
)
SAME_EVENT_DAYS = 30  # an article and a cable this far apart may report one event
SAME_EVENT_MIN_NAMES = 2  # people both name, at least
SAME_EVENT_MIN_SCORE = 0.5
# A passage held by more cables than this points at none of them ("stock passages" below).
QUOTED_IN_AT_MOST = 5
# Documents read for quotes of one paragraph: one more than a quotation may stand in, so that
# a stock passage shows itself as one.
CANDIDATE_DOCUMENTS = QUOTED_IN_AT_MOST + 1
# Capitalised words that are titles, institutions or places rather than people's names.
_NOT_NAMES = frozenset(
    """america american americans states united nations department ministry minister secretary president
    defense defence state affairs government embassy army navy force forces air command national
    security council general admiral colonel commander ambassador vice prime foreign interior justice
    house senate congress press service news agency south north east west latin central pacific
    january february march april may june july august september october november december monday tuesday
    wednesday thursday friday saturday sunday the this that these those mr mrs ms dr""".split()
)
# A run of capitalised words and initials: "Defense Secretary Robert M. Gates".
_CAPITALISED_RUN = re.compile(
    r"\b(?:[A-Z][a-z]+|[A-Z]\.)(?:[ \t]+(?:[A-Z][a-z]+|[A-Z]\.|de|del|da|la|van|von))+"
)
_PLACE_WORD = re.compile(r"[A-Za-z]{3,}")


# --- Names ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NamedCable:
    start: int
    end: int
    reference_id: str


def office_of(reference_id: str) -> str:
    return reference_id[2:].rstrip("0123456789")


def known_offices() -> set[str]:
    """The offices of the cables the archive holds or cites."""
    from archive.models import Reference

    identifiers = Document.objects.cables().values_list("identifier", flat=True)
    cited = Reference.objects.exclude(reference_id="").values_list("reference_id", flat=True).distinct()
    return {office_of(i) for i in identifiers.iterator()} | {office_of(i) for i in cited.iterator()}


def named_cables(text: str, offices: set[str]) -> list[NamedCable]:
    found = []
    for match in _NAMED.finditer(text or ""):
        office = re.sub(r"[ -]", "", match["office"])
        if office in offices:
            found.append(
                NamedCable(match.start(), match.end(), f"{match['year']}{office}{int(match['serial'])}")
            )
    return found


# --- Quotes ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Quote:
    article_paragraph: int
    start: int  # characters, in the article paragraph's text
    end: int
    paragraph: int  # the cable's paragraph number
    runs: frozenset[int] = field(default=frozenset(), compare=False)  # its QUOTE_WORDS-word runs


def quotes_of(article_paragraphs: list[Paragraph], cable_paragraphs: list[Paragraph]) -> list[Quote]:
    """Every passage of QUOTE_WORDS words or more the article shares with one of the cable's paragraphs."""
    cable_words = [(p.number, words(p.text)) for p in cable_paragraphs]
    found = []
    for article_paragraph in article_paragraphs:
        article_tokens = tokens(article_paragraph.text)
        article_words = [t.word for t in article_tokens]
        for number, paragraph_words in cable_words:
            for run in shared_runs(article_words, paragraph_words):
                first, last = article_tokens[run.a_start], article_tokens[run.a_start + run.length - 1]
                runs = frozenset(run_hashes(article_words[run.a_start : run.a_start + run.length]))
                found.append(Quote(article_paragraph.number, first.start, last.end, number, runs))
    return found


def stock_runs(article_runs: set[int], cable_texts: dict[int, list[str]]) -> set[int]:
    """The article's runs that more than QUOTED_IN_AT_MOST of these cables hold ({pk: paragraph
    texts}): a stock sentence, not a quotation."""
    holders: Counter[int] = Counter()
    for texts in cable_texts.values():
        holders.update(set().union(*(article_runs & run_hashes(words(text)) for text in texts)))
    return {run for run, count in holders.items() if count > QUOTED_IN_AT_MOST}


def without_stock_passages(
    quoted: dict[int, list[Quote]], is_stock, named: set[int]
) -> dict[int, list[Quote]]:
    """The quotes of each cable that quote it: those with a run `is_stock` does not reject, and
    every quote of a cable the article names."""
    return {
        pk: [quote for quote in quotes if pk in named or not is_stock_passage(quote, is_stock)]
        for pk, quotes in quoted.items()
    }


def is_stock_passage(quote: Quote, is_stock) -> bool:
    """Every run of the quote is a stock one: no part of it points at one cable."""
    return bool(quote.runs) and all(map(is_stock, quote.runs))


def documents_with_words(some_words: list[str], doc_type: str, limit: int) -> list[int]:
    """The primary keys of the `doc_type` documents the search engine ranks first for these words."""
    from haystack.inputs import Clean, Exact
    from haystack.query import SQ, SearchQuerySet

    if not some_words:
        return []
    query = reduce(or_, (SQ(content=Clean(word)) for word in some_words))
    results = SearchQuerySet().models(Document).filter(query).filter(type_exact=Exact(doc_type))[:limit]
    return [int(result.pk) for result in results]


def documents_naming(reference_id: str, limit: int = 200) -> list[int]:
    """Articles whose text names a reference ID, glued ("07LIMA3429") or spaced ("07 LIMA 3429")."""
    from haystack.inputs import Clean, Exact
    from haystack.query import SQ, SearchQuerySet

    spaced = (
        f"{reference_id[:2]} {office_of(reference_id)} {reference_id[2 + len(office_of(reference_id)) :]}"
    )
    query = SQ(content=Clean(reference_id)) | SQ(content=Exact(spaced))
    results = SearchQuerySet().models(Document).filter(query).filter(type_exact=Exact(Document.Type.ARTICLE))
    return [int(result.pk) for result in results[:limit]]


def candidate_documents(paragraphs: list[Paragraph], doc_type: str) -> set[int]:
    """Documents of `doc_type` that may share a passage with one of these paragraphs."""
    found: set[int] = set()
    for paragraph in paragraphs:
        paragraph_words = words(paragraph.text)
        if len(paragraph_words) >= QUOTE_WORDS:
            found.update(documents_with_words(distinctive(paragraph_words), doc_type, CANDIDATE_DOCUMENTS))
    return found


# --- Same event ---------------------------------------------------------------------------------------
@dataclass
class Evidence:
    score: float
    shared: list[str] = field(default_factory=list)


def is_title_word(word: str) -> bool:
    """'Defense', 'Secretary', 'Peruvian': words that stand before a name, not in it."""
    lowered = word.lower().rstrip(".")
    return lowered in _NOT_NAMES or lowered.endswith(("ian", "ean", "ese", "ish"))


def people_in(text: str) -> set[str]:
    """Surnames of the people a text names: "Defense Secretary Robert M. Gates" -> gates."""
    surnames = set()
    for match in _CAPITALISED_RUN.finditer(text or ""):
        words_ = match.group().split()
        while words_ and is_title_word(words_[0]):
            words_.pop(0)
        if len(words_) < 2 or words_[0].endswith("."):
            continue  # a name has a given name (or initial) and a surname
        surname = words_[-1].lower()
        if len(surname) >= 4 and not is_title_word(surname):
            surnames.add(surname)
    return surnames


def name_words(text: str) -> set[str]:
    """A text's words as names are compared: lower case, "Garcia's" read as garcia."""
    return set(re.findall(r"[a-z]+", text.lower()))


def places_of_article(article: Document) -> set[str]:
    return {w.lower() for w in _PLACE_WORD.findall(article.dateline or "")} - _NOT_NAMES


def places_of_cable(cable: Document) -> set[str]:
    origin = (cable.origin or "").lower().replace("embassy", "").replace("consulate", "")
    return {w.lower() for w in _PLACE_WORD.findall(origin)} - _NOT_NAMES - {"mission", "usun", "secretary"}


def same_event(
    article: Document, article_text: str, cable: Document, cable_words: set[str]
) -> Evidence | None:
    """How likely the article and the cable report one event; None when they plainly do not."""
    if not (article.date and cable.date):
        return None
    apart = abs((article.date - cable.date).days)
    if apart > SAME_EVENT_DAYS:
        return None
    places = places_of_article(article) & (places_of_cable(cable) | cable_words)
    if not places or not (places_of_cable(cable) & (places_of_article(article) | name_words(article_text))):
        return None
    people = sorted(surname for surname in people_in(article_text) if surname in cable_words)
    if len(people) < SAME_EVENT_MIN_NAMES:
        return None
    score = round(0.3 * (1 - apart / SAME_EVENT_DAYS) + 0.2 + 0.5 * min(1.0, len(people) / 4), 2)
    if score < SAME_EVENT_MIN_SCORE:
        return None
    return Evidence(score, [*(p.title() for p in people), *(p.title() for p in sorted(places))])


# --- Keeping the links ----------------------------------------------------------------------------------
def article_text(article: Document) -> str:
    """The words an article says (its title too, for the cables it names)."""
    return "\n\n".join([article.title, *(p.text for p in article.paragraphs.all())])


def article_body(article: Document) -> str:
    """The article's paragraphs: where it names people (a title capitalises every word)."""
    return "\n\n".join(p.text for p in article.paragraphs.all())


def links_of_article(
    article: Document, offices: set[str], quoted: dict[int, list[Quote]] | None = None, also=()
) -> list:
    """Every link of one article: cables it names, quotes, or reports the event of.

    `quoted`: the quotes of each cable (by pk) when the caller found them already; else the
    search engine proposes the cables to look in, and `also` (a cable being imported, which
    the engine does not know yet).
    """
    paragraphs = list(article.paragraphs.all())
    text = article_text(article)
    links: dict[tuple[str, str], DocumentLink] = {}
    names = named_cables(text, offices)
    for named in names:
        key = (named.reference_id, DocumentLink.Kind.NAMES)
        links.setdefault(key, new_link(article, named.reference_id, DocumentLink.Kind.NAMES))
    if quoted is None:
        quoted = quotes_in_candidates(paragraphs, names, also)
    identifiers = dict(
        Document.objects.filter(pk__in=[pk for pk, q in quoted.items() if q]).values_list("pk", "identifier")
    )
    for pk, quotes in quoted.items():
        if quotes:
            add_quotes(links, article, identifiers[pk], quotes)
    for cable in cables_near(article):
        cable_words = name_words(" ".join(p.text for p in cable.paragraphs.all()))
        evidence = same_event(article, article_body(article), cable, cable_words)
        if evidence and (cable.identifier, DocumentLink.Kind.QUOTES) not in links:
            link = new_link(article, cable.identifier, DocumentLink.Kind.SAME_EVENT)
            link.score, link.evidence = evidence.score, evidence.shared
            links[(cable.identifier, DocumentLink.Kind.SAME_EVENT)] = link
    return list(links.values())


def quotes_in_candidates(
    paragraphs: list[Paragraph], names: list[NamedCable], also
) -> dict[int, list[Quote]]:
    """{cable pk: quotes} of the cables the search engine proposes for the article's paragraphs,
    the cables it names and `also`, stock passages left out."""
    named = cables_named(names)
    pks = candidate_documents(paragraphs, Document.Type.CABLE) | {cable.pk for cable in also} | named
    cables = list(Document.objects.filter(pk__in=pks).prefetch_related("paragraphs"))
    quoted = {cable.pk: quotes_of(paragraphs, list(cable.paragraphs.all())) for cable in cables}
    article_runs = set().union(*(run_hashes(words(p.text)) for p in paragraphs))
    texts = {cable.pk: [p.text for p in cable.paragraphs.all()] for cable in cables}
    return without_stock_passages(quoted, stock_runs(article_runs, texts).__contains__, named)


def cables_named(names: list[NamedCable]) -> set[int]:
    """The primary keys of the named cables the archive holds."""
    identifiers = {named.reference_id for named in names}
    if not identifiers:
        return set()
    return set(Document.objects.cables().filter(identifier__in=identifiers).values_list("pk", flat=True))


def new_link(article: Document, reference_id: str, kind: str) -> DocumentLink:
    return DocumentLink(article=article, reference_id=reference_id, kind=kind)


def add_quotes(links: dict, article: Document, reference_id: str, quotes: list[Quote]) -> None:
    link = links.setdefault(
        (reference_id, DocumentLink.Kind.QUOTES), new_link(article, reference_id, DocumentLink.Kind.QUOTES)
    )
    for quote in quotes:
        if quote.paragraph not in link.paragraphs:
            link.paragraphs.append(quote.paragraph)
        link.evidence.append(
            {
                "article_paragraph": quote.article_paragraph,
                "start": quote.start,
                "end": quote.end,
                "paragraph": quote.paragraph,
            }
        )
    link.paragraphs.sort()


def cables_near(article: Document):
    """The cables of the weeks around the article's date from the places of its dateline."""
    places = places_of_article(article)
    if not article.date or not places:
        return Document.objects.none()
    window = dt.timedelta(days=SAME_EVENT_DAYS)
    from_there = reduce(or_, (Q(origin__icontains=place) for place in places))
    return (
        Document.objects.cables()
        .filter(date__range=(article.date - window, article.date + window))
        .filter(from_there)
        .prefetch_related("paragraphs")
    )


def articles_for_cable(cable: Document) -> set[int]:
    """Articles that may name, quote or report this cable."""
    found = set(
        DocumentLink.objects.filter(reference_id=cable.identifier).values_list("article_id", flat=True)
    )
    found |= candidate_documents(list(cable.paragraphs.all()), Document.Type.ARTICLE)
    found |= set(documents_naming(cable.identifier))
    if cable.date:
        window = dt.timedelta(days=SAME_EVENT_DAYS)
        near = Document.objects.articles().filter(date__range=(cable.date - window, cable.date + window))
        found |= set(near.values_list("pk", flat=True))
    return found


@transaction.atomic
def relink_article(article: Document, offices: set[str] | None = None, quoted=None, also=()) -> int:
    DocumentLink.objects.filter(article=article).delete()
    links = links_of_article(article, offices if offices is not None else known_offices(), quoted, also)
    DocumentLink.objects.bulk_create(links)
    return len(links)


def link_document(document: Document) -> None:
    """Find the links an imported document makes or receives, in both directions."""
    if not Document.objects.articles().exists():
        return  # an archive of cables alone has no news to link
    offices = known_offices()
    if document.type == Document.Type.ARTICLE:
        relink_article(document, offices)
        return
    articles = Document.objects.filter(pk__in=articles_for_cable(document)).prefetch_related("paragraphs")
    for article in articles:
        relink_article(article, offices, also=[document])


def relink_all() -> int:
    """Recompute every article's links; returns how many links the archive now has.

    Quotes are found without the search engine: the hashes of every run of QUOTE_WORDS words
    of the articles are held in memory, every cable paragraph is read once and its runs looked
    up, and only the pairs of paragraphs sharing a run that few cables hold (a quotation, not a
    stock passage) are compared word by word. The cables an article names are compared whole.
    """
    articles = list(Document.objects.articles().prefetch_related("paragraphs"))
    if not articles:
        DocumentLink.objects.all().delete()
        return 0
    by_run: dict[int, list[tuple[int, int]]] = defaultdict(list)
    texts: dict[tuple[int, int], Paragraph] = {}
    for position, article in enumerate(articles):
        for paragraph in article.paragraphs.all():
            texts[(position, paragraph.number)] = paragraph
            for run in run_hashes(words(paragraph.text)):
                by_run[run].append((position, paragraph.number))
    holders = run_holders(by_run)
    pairs: dict[tuple[int, int], set[tuple[int, int]]] = defaultdict(set)  # (article, cable pk) -> paragraphs
    cable_texts: dict[tuple[int, int], str] = {}
    for run, held in holders.items():
        for cable_pk, cable_paragraphs in (held or {}).items():
            for number, text in cable_paragraphs:
                cable_texts[(cable_pk, number)] = text
                for position, article_number in by_run[run]:
                    pairs[(position, cable_pk)].add((article_number, number))
    quoted: list[dict[int, list[Quote]]] = [defaultdict(list) for _ in articles]
    for (position, cable_pk), paragraph_pairs in pairs.items():
        for article_number, number in paragraph_pairs:
            cable_paragraph = Paragraph(number=number, text=cable_texts[(cable_pk, number)])
            quoted[position][cable_pk] += quotes_of([texts[(position, article_number)]], [cable_paragraph])
    offices = known_offices()

    def is_stock(run: int) -> bool:
        return run in holders and holders[run] is None

    total = 0
    for position, article in enumerate(articles):
        named = cables_named(named_cables(article_text(article), offices))
        own = list(article.paragraphs.all())
        for cable in Document.objects.filter(pk__in=named).prefetch_related("paragraphs"):
            quoted[position][cable.pk] = quotes_of(own, list(cable.paragraphs.all()))
        total += relink_article(article, offices, without_stock_passages(quoted[position], is_stock, named))
    return total


def run_holders(by_run: dict[int, list]) -> dict[int, dict[int, list[tuple[int, str]]] | None]:
    """For each of these runs that a cable paragraph holds: {cable pk: [(paragraph number,
    text)]}, or None once more than QUOTED_IN_AT_MOST cables hold it (a stock passage: its
    holders are not kept)."""
    holders: dict[int, dict[int, list[tuple[int, str]]] | None] = {}
    cable_paragraphs = Paragraph.objects.filter(document__type=Document.Type.CABLE)
    rows = cable_paragraphs.values_list("document_id", "number", "text").iterator(chunk_size=5000)
    for cable_pk, number, text in rows:
        for run in run_hashes(words(text)):
            if run not in by_run:
                continue
            held = holders.setdefault(run, {})
            if held is None:
                continue
            held.setdefault(cable_pk, []).append((number, text))
            if len(held) > QUOTED_IN_AT_MOST:
                holders[run] = None
    return holders


def links_by_paragraph(links: list[DocumentLink]) -> dict[int, list[DocumentLink]]:
    """The quote links of a cable, by the cable paragraph they quote."""
    found = defaultdict(list)
    for link in links:
        for number in link.paragraphs:
            found[number].append(link)
    return found


# --- What the pages and the API show -------------------------------------------------------------------
@dataclass
class LinkedDocument:
    document: Document | None  # None: a cable the archive does not hold (yet)
    identifier: str
    paragraphs: list[int]
    kind: str
    score: float = 0.0
    shared: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.document.get_absolute_url() if self.document else f"/documents/{self.identifier}/"


@dataclass
class Discussion:
    certain: list[LinkedDocument]  # named or quoted
    same_event: list[LinkedDocument]
    quoted_paragraphs: dict[int, list[LinkedDocument]]  # cable paragraph -> articles quoting it


def merged_links(links: list[DocumentLink], other_end) -> tuple[list[LinkedDocument], list[LinkedDocument]]:
    """One entry per linked document: names and quotes together (certain), same-event apart,
    and a same-event link left out where a certain one exists. `other_end(link)` gives the
    (key, document or None, identifier) of the link's far end."""
    merged: dict[tuple, LinkedDocument] = {}
    for link in links:
        key, document, identifier = other_end(link)
        same = link.kind == DocumentLink.Kind.SAME_EVENT
        item = merged.setdefault(
            (key, same),
            LinkedDocument(
                document, identifier, [], link.kind, link.score, list(link.evidence) if same else []
            ),
        )
        item.paragraphs = sorted(set(item.paragraphs) | set(link.paragraphs))
        if link.kind == DocumentLink.Kind.QUOTES:
            item.kind = link.kind
    certain = [item for (_, same), item in merged.items() if not same]
    events = [item for (key, same), item in merged.items() if same and (key, False) not in merged]
    return certain, sorted(events, key=lambda item: -item.score)


def discussion_of_cable(cable: Document) -> Discussion:
    """The articles that name or quote a cable, and those that may report its event."""
    links = list(DocumentLink.objects.filter(reference_id=cable.identifier).select_related("article__source"))
    certain, events = merged_links(
        links, lambda link: (link.article_id, link.article, link.article.identifier)
    )
    quoted = defaultdict(list)
    for item in certain:
        for number in item.paragraphs:
            quoted[number].append(item)
    certain.sort(key=lambda item: item.document.date or dt.date.min, reverse=True)
    return Discussion(certain, events, dict(quoted))


def discussion_of_article(article: Document) -> Discussion:
    """The cables an article names or quotes, and those that may report its event."""
    links = list(DocumentLink.objects.filter(article=article))
    held = Document.objects.in_bulk([link.reference_id for link in links], field_name="identifier")
    certain, events = merged_links(
        links, lambda link: (link.reference_id, held.get(link.reference_id), link.reference_id)
    )
    return Discussion(certain, events, {})


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    href: str
    title: str


def article_spans(article: Document) -> dict[int, list[Span]]:
    """Where an article's paragraphs name or quote cables, as links to put on its text."""
    links = list(DocumentLink.objects.filter(article=article).exclude(kind=DocumentLink.Kind.SAME_EVENT))
    named = {link.reference_id for link in links if link.kind == DocumentLink.Kind.NAMES}
    spans: dict[int, list[Span]] = defaultdict(list)
    for link in links:
        for quote in link.evidence if link.kind == DocumentLink.Kind.QUOTES else []:
            href = f"/documents/{link.reference_id}/#p{quote['paragraph']}"
            title = f"Quoted from {link.reference_id} ¶{quote['paragraph']}"
            spans[quote["article_paragraph"]].append(Span(quote["start"], quote["end"], href, title))
    if named:
        for paragraph in article.paragraphs.all():
            for match in _NAMED.finditer(paragraph.text):
                reference_id = f"{match['year']}{re.sub(r'[ -]', '', match['office'])}{int(match['serial'])}"
                if reference_id in named:
                    spans[paragraph.number].append(
                        Span(
                            match.start(), match.end(), f"/documents/{reference_id}/", f"Cable {reference_id}"
                        )
                    )
    return {number: without_overlaps(found) for number, found in spans.items()}


def without_overlaps(spans: list[Span]) -> list[Span]:
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return kept
