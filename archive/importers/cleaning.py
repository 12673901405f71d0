"""Cleaning steps shared by the text parsers.

Scraped pages arrive as plain text with the site's chrome (menus, share buttons,
"Related Articles" lists, photo credits) mixed into the article, sometimes with
the whole article printed twice and with sentences broken across lines by the
scraper. These helpers undo that damage and nothing else: they drop or join
whole lines but never change a word, so source typos survive verbatim.

Every step is a single pass over the text, so a 10 MB line or 10,000 blocks
cost linear time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

# Punctuation that cannot start a sentence: a line beginning with it is the tail of
# the previous line, cut off by the scraper ("Marine Corps Times\n."). Ellipses are
# left alone because "..." may open a quotation.
_TRAILING_PUNCTUATION = ".,;:!?"
# What a wrapped line may end with for a continuation to be joined onto it.
_CLOSING_MARKS = "\"'”’)]"

SENTENCE_END = ".!?:;,"
_CLOSERS = "\"'”’»)]*_ \t"

_CHROME_LINE = re.compile(
    r"""(?ix)
    (?: join\ the\ mailing\ list
      | bookmark\ and\ share
      | contact\ author
      | additional\ links
      | stay\ connected
      | share(?:\ (?:this|on\ \w+)(?:\ (?:article|page|story|post))?)?
      | news\ article
      | print(?:\ (?:this\ )?(?:article|page|friendly))?
      | e-?mail(?:\ this)?(?:\ (?:article|page|story))?
      | skip\ to\ (?:main\ )?content
      | (?:main\ )?menu | home | search | subscribe | back\ to\ top
      | follow\ us(?:\ on\ \w+)?
    )\W*
    """
)
# Lines that are chrome whatever follows their first words.
_CHROME_PREFIX = re.compile(
    r"""(?ix)
    (?: \(?photos?(?:\ credit)?\s*:        # photo credits
      | \(?photo(?:graph)?s?\ (?:by|courtesy)\b
      | \(?fotos?\s*:
      | \(end\)                              # wire end marks: "(END) JCR/MVB"
      | (?:published|posted|(?:last\ )?updated)\s*:
      | the\ largest\ security-cleared\ career\ network\b
    )
    """
)
# "United States Department of Defense", printed once or twice as a masthead.
_DOD_MASTHEAD = re.compile(r"(?i)(?:(?:united\ states|u\.s\.)\ department\ of\ defense\s*)+", re.X)
# Headers of link lists; the links printed under them are chrome too.
_LIST_HEADER = re.compile(
    r"""(?ix)
    (?: related(?:\ (?:sites|articles|links|stories|content|news|coverage))?
      | contact\ author
      | additional\ links
      | more\ (?:news|stories|articles)
      | see\ also
    )\s*:?\s*
    | biographies\s*:\s*
    """
)
# A link list may run over many short blocks; anything longer is prose again.
_MAX_LIST_ITEM_WORDS = 15
_MAX_HEADING_WORDS = 20
_MAX_HEADING_CHARS = 150


def normalize_newlines(text: str) -> str:
    """Turn Windows (\\r\\n) and old Mac (\\r) line ends into \\n; nothing else changes."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def collapse_whitespace(text: str) -> str:
    """Single-space form of a text, for comparing blocks whatever their wrapping."""
    return " ".join(text.split())


def has_at_least_words(line: str, count: int) -> bool:
    """Word count test that stops splitting early, so a 10 MB line is cheap."""
    return len(line.split(None, count)) >= count


def ends_sentence(line: str) -> bool:
    """True if the line ends like prose ("... said." / '... succeeding."')."""
    tail = line.rstrip(_CLOSERS)
    return bool(tail) and tail[-1] in SENTENCE_END


def is_heading_like(line: str) -> bool:
    """A short line that does not end like a sentence: a heading, a link, a name."""
    line = line.strip()
    if not line or len(line) > _MAX_HEADING_CHARS:
        return False
    if has_at_least_words(line, _MAX_HEADING_WORDS + 1):
        return False
    return any(ch.isalpha() for ch in line) and not ends_sentence(line)


def is_chrome_line(line: str) -> bool:
    """Site furniture that is never part of an article: buttons, credits, mastheads."""
    line = line.strip()
    if not line:
        return False
    if line.endswith("JOIN NOW"):  # job-board banner above DoD-related articles
        return True
    if len(line) > 200 or not _starts_like_chrome(line):
        return False
    matchers = (_CHROME_LINE.fullmatch, _CHROME_PREFIX.match, _DOD_MASTHEAD.fullmatch)
    return any(match(line) for match in matchers)


def is_list_header(line: str) -> bool:
    """ "Related Articles:", "Contact Author": chrome whose following lines are links."""
    line = line.strip()
    return len(line) <= 60 and _starts_like_chrome(line) and bool(_LIST_HEADER.fullmatch(line))


def _starts_like_chrome(line: str) -> bool:
    """Buttons and labels are capitalised; a lower-case "home." is a wrapped sentence's
    last word, which must not be lost."""
    return line[0].isupper() or line[0] == "("


def _is_punctuation_continuation(line: str) -> bool:
    return line[0] in _TRAILING_PUNCTUATION and not line.startswith("..")


def _hyphen_continuation(line: str) -> str | None:
    """For "- moon" after "Ban Ki", return "moon"; None if the line is not such a tail."""
    if not line.startswith("-"):
        return None
    rest = line[1:].lstrip()
    return rest if rest[:1].islower() else None


def mend_wrapped_lines(text: str) -> str:
    """Join lines that the scraper cut before punctuation back onto their sentence.

    "Marine Corps Times\\n. They" -> "Marine Corps Times. They" (even across blank
    lines, since no sentence starts with a full stop) and "Ban Ki\\n- moon" ->
    "Ban Ki-moon" (adjacent lines only, and not inside a "- item" list).
    """
    lines = text.split("\n")
    out: list[str] = []
    # Fragments mended onto out[i], joined once at the end so that a long run of mends stays
    # linear; only mended lines get a list (a 20 MB file has millions of lines).
    tails: dict[int, list[str]] = {}
    last = -1  # index in `out` of the last non-blank line
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            out.append(line)
            continue
        previous = (tails[last][-1] if last in tails else out[last]) if last >= 0 else ""
        if previous and _joinable(previous, stripped, last == len(out) - 1):
            tail = _hyphen_continuation(stripped)
            if tail is not None and not _in_dash_list(lines, i, out[last]):
                tails.setdefault(last, []).append("-" + tail)
                continue
            if tail is None and _is_punctuation_continuation(stripped):
                del out[last + 1 :]  # blank lines between the halves of a sentence
                tails.setdefault(last, []).append(stripped)
                continue
        out.append(line.rstrip())
        last = len(out) - 1
    for i, fragments in tails.items():
        out[i] += "".join(fragments)
    return "\n".join(out)


def _joinable(previous: str, line: str, adjacent: bool) -> bool:
    last_char = previous[-1]
    if line.startswith("-"):
        return adjacent and last_char.isalnum()
    return last_char.isalnum() or last_char in _CLOSING_MARKS


def _in_dash_list(lines: Sequence[str], index: int, previous_line: str) -> bool:
    """A "- item" line next to another one is a list, not a broken hyphenated word."""
    following = lines[index + 1].lstrip() if index + 1 < len(lines) else ""
    return previous_line.lstrip().startswith("-") or following.startswith("-")


def split_blocks(text: str) -> list[str]:
    """Paragraph-like blocks: runs of non-blank lines, each line right-stripped."""
    blocks: list[str] = []
    current: list[str] = []
    for line in text.split("\n"):
        if line.strip():
            current.append(line.rstrip())
        elif current:
            blocks.append("\n".join(current).strip())
            current = []
    if current:
        blocks.append("\n".join(current).strip())
    return blocks


def text_blocks(text: str) -> list[str]:
    """Newlines normalised, wrap breaks mended, split into blocks; chrome still present."""
    return split_blocks(mend_wrapped_lines(normalize_newlines(text)))


def _is_list_item_block(block: str) -> bool:
    return all(
        is_heading_like(line) and not has_at_least_words(line, _MAX_LIST_ITEM_WORDS + 1)
        for line in block.split("\n")
    )


def strip_chrome(blocks: Iterable[str]) -> list[str]:
    """Drop chrome lines, and link lists with their headers; blocks left empty go too."""
    kept: list[str] = []
    in_list = False  # after a list header, short link-like blocks belong to the list
    for block in blocks:
        if in_list and _is_list_item_block(block):
            continue
        in_list = False
        lines: list[str] = []
        for line in block.split("\n"):
            if is_list_header(line):
                in_list = True
                break  # the rest of this block is the list
            if not is_chrome_line(line):
                lines.append(line)
        text = "\n".join(lines).strip()
        if text:
            kept.append(text)
    return kept


def _is_substantial(block: str) -> bool:
    return has_at_least_words(block, 8)


def drop_repeated_blocks(blocks: Sequence[str], seen: Iterable[str] = ()) -> list[str]:
    """Keep the first occurrence of each block when a page prints its text twice.

    A repeated block is dropped if it is substantial (a real paragraph) or part of a
    repeated run -- it and its neighbour repeat two neighbouring earlier blocks -- so
    the short headings inside a duplicated copy go with it. A short line repeated on
    its own ("Yes.") is left alone: repeating it may be the author's.
    `seen` pre-loads texts already used elsewhere on the page, e.g. the title.
    """
    first_index: dict[str, int | None] = dict.fromkeys(map(collapse_whitespace, seen))
    # For each block, where its text first appeared if it is a repeat, else -1.
    origin: list[int | None] = []
    for i, block in enumerate(blocks):
        key = collapse_whitespace(block)
        origin.append(first_index[key] if key in first_index else -1)
        first_index.setdefault(key, i)
    kept: list[str] = []
    for i, block in enumerate(blocks):
        if origin[i] == -1:
            kept.append(block)
        elif not (_is_substantial(block) or _continues_run(origin, i)):
            kept.append(block)
    return kept


def _continues_run(origin: Sequence[int | None], i: int) -> bool:
    """Block i repeats an earlier block whose neighbour is repeated next to block i too."""
    here = origin[i]
    if here is None or here < 0:
        return False
    before = origin[i - 1] if i > 0 else None
    after = origin[i + 1] if i + 1 < len(origin) else None
    return (before is not None and before >= 0 and before == here - 1) or after == here + 1


def clean_body(blocks: Sequence[str], seen: Iterable[str] = ()) -> list[str]:
    """The article's own blocks: chrome and repeated copies removed."""
    return drop_repeated_blocks(strip_chrome(blocks), seen)
