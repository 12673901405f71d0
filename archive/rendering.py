"""Turning stored text into HTML that cannot carry markup, scripts or bidi tricks.

Document text is always escaped. Staff-written Markdown (analyst notes, tag and
source descriptions) is rendered and then sanitised with nh3, so a note pasted
from a hostile page stays inert too.

Markdown is rendered once, when the text is saved (the models keep the HTML beside it),
and the admin refuses text whose rendering time would grow faster than its length
(markdown_problem): Python-Markdown scans to the end of the text from every unclosed
"[" and every unclosed "(" of a link, re-reads a block for each heading or rule
underlined in it, and recurses once per level of quoting. Text over those limits that
reaches the database another way (a restore, a row older than the limits) is shown as
plain paragraphs, which costs linear time.
"""

from __future__ import annotations

import re

import markdown
import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe

# Tags a note may use; anything else is dropped and its text kept.
MARKDOWN_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
MARKDOWN_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
MARKDOWN_URL_SCHEMES = {"http", "https", "mailto"}

# Embeddings, overrides and isolates: a U+202E in a title would reverse the text after it.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")

MAX_HIGHLIGHT_TERMS = 8
MAX_HIGHLIGHT_TERM_LENGTH = 40
MAX_HIGHLIGHT_PARAMETER = 200


DEFAULT_MARKDOWN_MAX_CHARS = 10_000
MARKDOWN_MAX_LINES = 400
# Levels of "[", of "(" after "](" and of ">" quoting; unclosed ones count as open to the end.
MARKDOWN_MAX_NESTING = 8
# A bracket or parenthesis written with a backslash is text: it opens nothing.
_BRACKETS = re.compile(r"\\.|\]\(|[\[\]()]", re.DOTALL)
_QUOTE_MARKERS = re.compile(r"^[ \t]*(?:>[ \t]*)+", re.MULTILINE)


def markdown_max_chars() -> int:
    """The longest note or description the admin accepts (setting ARCHIVE_MARKDOWN_MAX_CHARS)."""
    return getattr(settings, "ARCHIVE_MARKDOWN_MAX_CHARS", DEFAULT_MARKDOWN_MAX_CHARS)


def markdown_problem(text: str) -> str | None:
    """Why this Markdown would take more than linear time to render, or None. Linear itself."""
    limit = markdown_max_chars()
    if len(text) > limit:
        return f"This text is {len(text):,} characters long; at most {limit:,} are allowed."
    lines = text.count("\n") + 1
    if lines > MARKDOWN_MAX_LINES:
        return f"This text has {lines:,} lines; at most {MARKDOWN_MAX_LINES:,} are allowed."
    brackets, parentheses = bracket_depths(text)
    if brackets > MARKDOWN_MAX_NESTING:
        return nesting_message(brackets, "square brackets “[”", "[")
    if parentheses > MARKDOWN_MAX_NESTING:
        return nesting_message(parentheses, "parentheses “(” after a link’s “]”", "(")
    quotes = max((match.group().count(">") for match in _QUOTE_MARKERS.finditer(text)), default=0)
    if quotes > MARKDOWN_MAX_NESTING:
        return (
            f"This text nests quotes (“>”) {quotes:,} levels deep; "
            f"at most {MARKDOWN_MAX_NESTING} levels are allowed."
        )
    return None


def nesting_message(depth: int, what: str, opener: str) -> str:
    return (
        f"This text has {depth:,} {what} open at once (nested, or never closed); at most "
        f"{MARKDOWN_MAX_NESTING} are allowed. Close each one, or write “\\{opener}” for a literal “{opener}”."
    )


def bracket_depths(text: str) -> tuple[int, int]:
    """(most "[" open at once, most link "(" open at once), counting unclosed ones.

    Only parentheses that open a link's address ("](") are scanned by the renderer, but the
    others must be matched to know where a link's address ends.
    """
    square = deepest_square = 0
    parentheses: list[bool] = []  # for each open "(", whether it opened a link's address
    links = deepest_links = 0
    for match in _BRACKETS.finditer(text):
        token = match.group()
        if token == "[":
            square += 1
            deepest_square = max(deepest_square, square)
        elif token == "]" or token == "](":
            square = max(square - 1, 0)
        if token in ("(", "]("):
            is_link = token == "]("
            parentheses.append(is_link)
            links += is_link
            deepest_links = max(deepest_links, links)
        elif token == ")" and parentheses:
            links -= parentheses.pop()
    return deepest_square, deepest_links


def validate_markdown(text: str) -> None:
    """Model-field validator: the admin shows the reason as the field's error."""
    problem = markdown_problem(text or "")
    if problem:
        raise ValidationError(problem, code="markdown_limits")


def render_markdown(text: str) -> SafeString:
    """Markdown → HTML with harmless tags only, http(s)/mailto links, no event attributes.

    Text over the limits (markdown_problem) becomes escaped plain paragraphs instead.
    """
    if not text:
        return mark_safe("")
    if markdown_problem(text):
        return mark_safe(linebreaks(reveal_controls(text), autoescape=True))
    converter = markdown.Markdown(extensions=["sane_lists", "tables"])
    # Raw HTML blocks go through html.parser, quadratic on a run of unclosed tags ("<a <a <a …");
    # inline tags are still recognised, and nh3 keeps only the allowed ones.
    converter.preprocessors.deregister("html_block")
    return sanitise_html(converter.convert(reveal_controls(text)))


def sanitise_html(html: str) -> SafeString:
    """Keep only MARKDOWN_TAGS and their attributes; linear, so pages may apply it to stored HTML."""
    return mark_safe(
        nh3.clean(
            html,
            tags=MARKDOWN_TAGS,
            attributes=MARKDOWN_ATTRIBUTES,
            url_schemes=MARKDOWN_URL_SCHEMES,
            link_rel="noopener noreferrer nofollow",
        )
    )


def reveal_controls(text: str) -> str:
    """Show invisible direction controls as their code point instead of obeying them."""
    return BIDI_CONTROLS.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


def highlight_terms(parameter: str) -> list[str]:
    """The words of ?hl=…: letters and digits, two or more, capped in number and length."""
    words = re.findall(r"\w+(?:-\w+)*", parameter[:MAX_HIGHLIGHT_PARAMETER])  # compounds whole
    terms: list[str] = []
    for word in words:
        word = word[:MAX_HIGHLIGHT_TERM_LENGTH]
        if len(word) > 1 and word.casefold() not in (t.casefold() for t in terms):
            terms.append(word)
    return terms[:MAX_HIGHLIGHT_TERMS]


def highlight_with_links(text: str, spans, highlighter) -> tuple[SafeString, int]:
    """highlighter.mark(text) (archive.search.highlighting.Highlighter), with the given spans of
    the text (start, end, href, title) made links."""
    if not spans:
        return highlighter.mark(text)
    pieces, position, count = [], 0, 0
    for span in spans:
        before, matches = highlighter.mark(text[position : span.start])
        inside, inside_matches = highlighter.mark(text[span.start : span.end])
        pieces.append(before)
        pieces.append(
            f'<a class="text-link" href="{escape(span.href)}" title="{escape(span.title)}">{inside}</a>'
        )
        count += matches + inside_matches
        position = span.end
    rest, matches = highlighter.mark(text[position:])
    pieces.append(rest)
    return mark_safe("".join(pieces)), count + matches


def marked(text: str, spans: list[tuple[int, int]]) -> SafeString:
    """Escaped text with the given character spans wrapped in <mark>."""
    pieces, position = [], 0
    for start, end in sorted(spans):
        if start < position:
            continue
        pieces.append(escape(reveal_controls(text[position:start])))
        pieces.append(f"<mark>{escape(reveal_controls(text[start:end]))}</mark>")
        position = end
    pieces.append(escape(reveal_controls(text[position:])))
    return mark_safe("".join(pieces))
