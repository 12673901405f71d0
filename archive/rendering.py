"""Turning stored text into HTML that cannot carry markup, scripts or bidi tricks.

Document text is always escaped. Staff-written Markdown (analyst notes, tag and
source descriptions) is rendered and then sanitised with nh3, so a note pasted
from a hostile page stays inert too.
"""

from __future__ import annotations

import re

import markdown
import nh3
from django.utils.html import escape
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


def render_markdown(text: str) -> SafeString:
    """Markdown → HTML with harmless tags only, http(s)/mailto links, no event attributes."""
    if not text:
        return mark_safe("")
    html = markdown.markdown(reveal_controls(text), extensions=["sane_lists", "tables"])
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
    words = re.findall(r"\w+", parameter[:MAX_HIGHLIGHT_PARAMETER])
    terms: list[str] = []
    for word in words:
        word = word[:MAX_HIGHLIGHT_TERM_LENGTH]
        if len(word) > 1 and word.casefold() not in (t.casefold() for t in terms):
            terms.append(word)
    return terms[:MAX_HIGHLIGHT_TERMS]


def highlight_pattern(terms: list[str]) -> re.Pattern | None:
    if not terms:
        return None
    # Longest first, so "lima" does not win over "limas" in the alternation.
    alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE)


def highlight(text: str, pattern: re.Pattern | None) -> tuple[SafeString, int]:
    """Escaped text with whole-word matches wrapped in <mark>; returns (html, number of matches).

    The text is matched before escaping, so a term can never match inside an entity
    such as &amp;, and every piece is escaped on its way out.
    """
    text = reveal_controls(text)
    if pattern is None:
        return mark_safe(escape(text)), 0
    pieces, position, count = [], 0, 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[position : match.start()]))
        pieces.append(f"<mark>{escape(match.group())}</mark>")
        position = match.end()
        count += 1
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces)), count
