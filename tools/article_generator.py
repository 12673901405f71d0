"""News articles about generated cables, as the press wrote them after the release.

A small share of the documents of a real archive are articles that name cables ("07LIMA3429",
"07 LIMA 3429", "cable 07LIMA3429") or quote a passage of one. `ArticleWriter` sees the
generated cables one at a time, as `write_corpus` writes them, and picks exactly `count` of
them by selection sampling (Knuth's Algorithm S: cable t of n is taken with probability
still-wanted / still-to-come), so nothing but the cable in hand is held whatever the corpus
size. For each pick it writes one plain-text page in a layout the article importer knows
(American Forces Press Service or Diálogo), dated between the release (November 2010) and the
end of 2011, which names the cable, quotes twelve or more consecutive words of one of its
paragraphs, or both, and now and then names a cable the first one cites.

The articles draw from their own `random.Random`, so the cables of a seed are the same with or
without articles, and the articles of a seed are always the same.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

from tools.corpus_generator import MONTH_NAMES, POSTS, Cable

RELEASED = dt.date(2010, 11, 28)
LAST_DAY = dt.date(2011, 12, 31)
PER_CABLES = 100  # the default share: one article per this many cables
QUOTE_SIDE = (7, 9)  # words quoted either side of a sentence end: 14-18, more than the twelve needed
POST_BY_CODE = {post.code: post for post in POSTS}
# AP style: "Oct. 6, 2007", March to July written out.
AP_MONTHS = "Jan. Feb. March April May June July Aug. Sept. Oct. Nov. Dec.".split()
AFPS, DIALOGO = "afps", "dialogo"
BYLINES = [
    "Jim Garamone", "Donna Miles", "Karen Parrish", "Lisa Daniel", "John D. Banusiewicz",
    "Cheryl Pellerin", "Elaine Wilson", "Terri Moon Cronk", "Amaani Lyle", "Claudette Roulo",
]  # fmt: skip
TITLES = [
    "Leaked Cable Details {subject}",
    "{origin} Reported on {subject}, Cable Shows",
    "What U.S. Diplomats Wrote About {subject}",
    "WikiLeaks Cable From {city}: {subject}",
    "Cable Sheds Light on {subject}",
]
NAMING_LEDES = [
    "A diplomatic cable released by WikiLeaks, {name}, shows how the {origin} reported on {topic}.",
    "In {name}, sent on {sent} and classified {classification}, the {origin} described {topic}.",
    "The {origin} told Washington about {topic} in {name}, dated {sent}, according to the documents.",
]
QUOTING_LEDES = [
    "A diplomatic cable the {origin} sent in {month} describes {topic}.",
    "Documents released by WikiLeaks show how the {origin} reported on {topic} in {month}.",
]
QUOTES = [
    '"{quote}," the cable says.',
    'The embassy wrote that "{quote}".',
    'According to the cable, "{quote}," a point officials in {city} have since disputed.',
]
NAMED_QUOTES = [
    '"{quote}," reads {name}.',
    'The authors of {name} wrote: "{quote}."',
]
ALSO_NAMED = [
    "It refers to earlier reporting in {name}.",
    "The cable builds on {name}, which the embassy sent before.",
]
FILLER = [
    "The State Department declined to comment on the content of the leaked documents.",
    "Officials in {city} did not respond to requests for comment on the report.",
    "The documents were among more than a quarter of a million cables obtained by WikiLeaks.",
    "Opposition lawmakers in {city} called for an inquiry after the report was published.",
    "A spokesman for the embassy said it does not discuss diplomatic correspondence.",
    "Analysts said the cable offers a rare view of how the embassy read events at the time.",
    "Newspapers in the region published several of the cables this week.",
    "The government has not disputed the authenticity of the documents.",
]


def ap_date(day: dt.date) -> str:
    return f"{AP_MONTHS[day.month - 1]} {day.day}, {day.year}"


def long_date(day: dt.date) -> str:
    return f"{MONTH_NAMES[day.month - 1]} {day.day}, {day.year}"


def printed_name(rng: random.Random, identifier: str) -> str:
    """A reference ID as the press prints it: glued, spaced, or after the word "cable"."""
    office = identifier[2:].rstrip("0123456789")
    serial = identifier[2 + len(office) :]
    post = POST_BY_CODE.get(office)
    banner = post.banner if post else office
    spaced_reads_back = banner.replace(" ", "") == office and len(banner.split()[0]) >= 3
    style = rng.random()
    if style < 0.35 and spaced_reads_back:
        return f"cable {identifier[:2]} {banner} {serial}"
    if style < 0.7:
        return f"cable {identifier}"
    return f"the cable {identifier}"


def quoted_run(rng: random.Random, cable: Cable) -> tuple[int, str] | None:
    """(paragraph number, 14-18 consecutive words of it), or None.

    The words run across the end of one sentence into the next, with fewer than twelve on
    either side: the generator builds sentences from templates, so twelve words of one sentence
    recur in many cables, while two sentences side by side are this cable's own.
    """
    choices = []
    for number, text in enumerate(cable.paragraphs, 1):
        words = text.split()
        if "\\" in text or '"' in text:
            continue  # keep the press's own quotation marks unambiguous
        for end in range(QUOTE_SIDE[0], len(words) - QUOTE_SIDE[0] + 1):
            if sentence_ends(words[end - 1], words[end]):
                choices.append((number, words, end))
    if not choices:
        return None
    number, words, end = rng.choice(choices)
    before = min(end, rng.randint(*QUOTE_SIDE))
    after = min(len(words) - end, rng.randint(*QUOTE_SIDE))
    return number, " ".join(words[end - before : end + after]).rstrip(".,;:")


def sentence_ends(word: str, following: str) -> bool:
    """True between two sentences; not after "U.S." or "Gen." inside one."""
    return word.endswith(".") and "." not in word[:-1] and len(word) > 4 and following[:1].isupper()


def short_subject(subject: str, limit: int = 70) -> str:
    """The subject line in title case without its country prefix, cut at a word."""
    text = subject.split(":", 1)[-1].strip() or subject
    text = text.title()
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0]
    return text.rstrip(",;:-")


@dataclass
class Article:
    """One generated article, and what it names and quotes (for tests)."""

    file_name: str
    date: dt.date
    title: str
    text: str
    named: list[str] = field(default_factory=list)  # reference IDs
    quoted: list[tuple[str, int]] = field(default_factory=list)  # (reference ID, paragraph)


class ArticleWriter:
    """Writes `count` articles about cables chosen from the `total` that stream past `see`."""

    def __init__(self, directory: Path | None, count: int, total: int, seed: int = 1):
        self.directory = Path(directory) if directory else None
        self.count = min(count, total)
        self.total = total
        self.rng = random.Random(f"quipu-articles-{seed}")
        self.seen = 0
        self.written = 0
        self.used_identities: set[tuple[dt.date, str]] = set()  # bounded by `count`
        if self.directory:
            self.directory.mkdir(parents=True, exist_ok=True)

    def see(self, cable: Cable) -> Article | None:
        """Consider one cable; write (and return) an article about it if it is chosen."""
        wanted, left = self.count - self.written, self.total - self.seen
        self.seen += 1
        if wanted <= 0 or self.rng.random() * left >= wanted:
            return None
        self.written += 1
        article = self.article(cable, self.written)
        if self.directory:
            (self.directory / article.file_name).write_text(article.text, encoding="utf-8")
        return article

    # -- one article

    def article(self, cable: Cable, number: int) -> Article:
        rng = self.rng
        post = POST_BY_CODE.get(cable.identifier[2:].rstrip("0123456789"))
        city = post.banner.title() if post else "Washington"
        mode = rng.choices(("names", "quotes", "both"), weights=(3, 2, 5))[0]
        quote = quoted_run(rng, cable) if mode != "names" else None
        if quote is None:
            mode = "names"
        values = {
            "origin": cable.origin,
            "city": city,
            "topic": short_subject(cable.subject).lower() or "events in the country",
            "sent": long_date(cable.created.date()),
            "month": f"{MONTH_NAMES[cable.created.month - 1]} {cable.created.year}",
            "classification": cable.classification.lower().replace("//", " and "),
        }
        article = Article("", *self.identity(values | {"subject": short_subject(cable.subject)}), "")
        paragraphs = []
        if mode in ("names", "both"):
            values["name"] = printed_name(rng, cable.identifier)
            article.named.append(cable.identifier)
            paragraphs.append(rng.choice(NAMING_LEDES).format_map(values))
        else:
            paragraphs.append(rng.choice(QUOTING_LEDES).format_map(values))
        if quote:
            values["quote"] = quote[1]
            templates = NAMED_QUOTES if mode == "both" else QUOTES
            paragraphs.append(rng.choice(templates).format_map(values))
            article.quoted.append((cable.identifier, quote[0]))
        if cable.references and rng.random() < 0.3:
            cited = rng.choice(cable.references)
            paragraphs.append(rng.choice(ALSO_NAMED).format(name=printed_name(rng, cited)))
            article.named.append(cited)
        paragraphs += [t.format_map(values) for t in rng.sample(FILLER, rng.randint(2, 4))]
        layout = AFPS if rng.random() < 0.6 else DIALOGO
        dateline = f"{(post.banner if post else 'WASHINGTON')}, {ap_date(article.date)} – "
        article.text = page(layout, article, paragraphs, rng.choice(BYLINES), dateline)
        article.file_name = f"article_{number:06d}.txt"
        return article

    def identity(self, values: dict) -> tuple[dt.date, str]:
        """A date after the release and a title; never the date and title of an earlier article
        (the importer names an article by them)."""
        days = (LAST_DAY - RELEASED).days
        while True:
            day = RELEASED + dt.timedelta(days=self.rng.randint(0, days))
            title = self.rng.choice(TITLES).format_map(values)
            if (day, title) not in self.used_identities:
                self.used_identities.add((day, title))
                return day, title


def page(layout: str, article: Article, paragraphs: list[str], byline: str, dateline: str) -> str:
    """The article as a scraped page: masthead, title, byline and date, then the text."""
    if layout == AFPS:
        head = [
            "American Forces Press Service",
            article.title,
            f"By {byline}\nAmerican Forces Press Service",
        ]
        body = [dateline + paragraphs[0], *paragraphs[1:]]
    else:
        head = [article.title, f"By Dialogo\n{long_date(article.date)}"]
        body = paragraphs
    return "\n\n".join(head + body) + "\n"


def default_count(cables: int) -> int:
    return max(1, cables // PER_CABLES)
