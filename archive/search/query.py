"""The search box's query language, parsed before any engine sees it.

    words  "exact phrases"  AND OR NOT  -word  (groups)  prefix*  word~ word~1 word~2
    field:value  field:"a phrase"  for the fields in FIELDS

parse() returns a small tree, or raises QueryProblem with a plain message and a repaired
query to suggest. The tree becomes haystack SQ objects (to_sq), so any haystack backend can
run it, and gives the words to find in paragraphs (archive.search.paragraphs).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from archive.search.facets import query_fields

MAX_QUERY_LENGTH = 500
MAX_CLAUSES = 40
MAX_DEPTH = 8
MIN_PREFIX = 2
MAX_FUZZY = 2
# Each prefix* or fuzzy~ term is looked up in the whole word list and matched as an OR of
# the words it expands to: a few dozen two-letter prefixes held a worker for a minute.
# The default of the ARCHIVE_SEARCH_MAX_WILDCARD_TERMS setting.
MAX_WILDCARD_TERMS = 5
OPERATORS = {"AND", "OR", "NOT"}
# What the index's analyzer calls a word: "counter-terrorism" is one (a compound).
WORD_TOKEN = re.compile(r"\w+(?:[.-]\w+)*")
MAX_JOINED_PHRASE = 3  # "counter terrorism" also finds counterterrorism; longer phrases do not
BARE_WORD = re.compile(r'[^\s()"]+')
NEEDS_QUOTES = re.compile(r'[\s:()"]')
FIELD_NAME = re.compile(r"[^\W\d_]+(?:_[^\W\d_]+)*")  # origin, source_kind: letters, joined by _

# Field in the query language → (index field, kind). "text": words, phrases and prefixes
# in a stemmed text field; "value": whole values, any case. The facets' come from their
# registry (archive.search.facets); these two are not facets.
FIELDS = {
    **query_fields(),
    "ref": ("ref", "value"),
    "title": ("title", "text"),
}
# Index fields matched as whole values.
VALUE_FIELDS = {index_field for index_field, kind in FIELDS.values() if kind == "value"}

QUERY_FIELD_NAMES = {index_field: name for name, (index_field, _) in reversed(FIELDS.items())}
# The names to list: one per field ("tag", not its alias "tags").
SHOWN_FIELD_NAMES = sorted(set(QUERY_FIELD_NAMES.values()))


class QueryProblem(ValueError):
    """A query we cannot run; message for people, suggestion = a query we can run (or "")."""

    def __init__(self, message: str, suggestion: str = ""):
        super().__init__(message)
        self.message = message
        self.suggestion = suggestion


# The tree


@dataclass
class Term:
    text: str
    field: str = ""
    prefix: bool = False
    fuzzy: int = 0

    def __str__(self) -> str:
        text = quoted(self.text) if NEEDS_QUOTES.search(self.text) else self.text
        suffix = "*" if self.prefix else (f"~{self.fuzzy}" if self.fuzzy else "")
        return f"{field_prefix(self.field)}{text}{suffix}"


@dataclass
class Phrase:
    text: str
    field: str = ""

    def __str__(self) -> str:
        return f"{field_prefix(self.field)}{quoted(self.text)}"


@dataclass
class Not:
    child: object

    def __str__(self) -> str:
        return f"-{self.child}" if isinstance(self.child, (Term, Phrase)) else f"NOT {self.child}"


@dataclass
class Group:
    operator: str  # "AND" or "OR"
    children: list = field(default_factory=list)

    def __str__(self) -> str:
        joiner = " OR " if self.operator == "OR" else " "
        return "(" + joiner.join(str(child) for child in self.children) + ")"


def field_prefix(index_field: str) -> str:
    """ "tags" → "tag:", the name people type."""
    return f"{QUERY_FIELD_NAMES.get(index_field, index_field)}:" if index_field else ""


def quoted(text: str) -> str:
    return '"' + text.replace('"', "") + '"'


def render(node) -> str:
    """The query text for a tree, without the outer parentheses."""
    text = str(node) if node is not None else ""
    return text[1:-1] if isinstance(node, Group) else text


# Lexing


@dataclass
class Token:
    kind: str  # WORD PHRASE FIELD LPAREN RPAREN OP NEG
    text: str = ""


def check_input(query: str, max_wildcards: int = MAX_WILDCARD_TERMS) -> str:
    query = query.replace("\u3000", " ")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in query):
        cleaned = "".join(ch for ch in query if unicodedata.category(ch) != "Cc" or ch in "\t\n\r")
        raise QueryProblem("The query contains control characters.", repair(cleaned, max_wildcards))
    if len(query) > MAX_QUERY_LENGTH:
        shortened = query[:MAX_QUERY_LENGTH].rsplit(None, 1)[0] if " " in query[:MAX_QUERY_LENGTH] else ""
        raise QueryProblem(
            f"The query is {len(query):,} characters long; the limit is {MAX_QUERY_LENGTH}. "
            "Search for a few distinctive words or a short phrase instead.",
            repair(shortened, max_wildcards),
        )
    return " ".join(query.split())


def tokenize(query: str, lenient: bool = False, max_wildcards: int = MAX_WILDCARD_TERMS) -> list[Token]:
    tokens, i = [], 0
    while i < len(query):
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append(Token("LPAREN" if ch == "(" else "RPAREN"))
            i += 1
        elif ch == '"':
            end = query.find('"', i + 1)
            if end == -1:
                if not lenient:
                    raise QueryProblem("A quotation mark is not closed.", repair(query, max_wildcards))
                end = len(query)
            tokens.append(Token("PHRASE", query[i + 1 : end]))
            i = end + 1
        elif (
            ch in "-+"
            and i + 1 < len(query)
            and not query[i + 1].isspace()
            and (i == 0 or query[i - 1] in " (")
        ):
            if ch == "-":
                tokens.append(Token("NEG"))
            i += 1
        else:
            match = BARE_WORD.match(query, i)
            tokens.extend(word_tokens(match.group()))
            i = match.end()
    return tokens


def word_tokens(word: str) -> list[Token]:
    if word in OPERATORS:
        return [Token("OP", word)]
    name, colon, rest = word.partition(":")
    if colon and FIELD_NAME.fullmatch(name):
        return [Token("FIELD", name.lower())] + ([Token("WORD", rest)] if rest else [])
    return [Token("WORD", word)]


# Parsing


class Parser:
    """Recursive descent over the tokens; `lenient` repairs instead of raising."""

    def __init__(self, tokens: list[Token], lenient: bool, original: str, max_wildcards: int):
        self.tokens = tokens
        self.position = 0
        self.lenient = lenient
        self.original = original
        self.depth = 0
        self.clauses = 0
        self.wildcards = 0
        self.max_wildcards = max_wildcards
        self.fields: list[tuple[str, str]] = [("", "text")]  # field:(…) applies to the group

    def problem(self, message: str):
        if not self.lenient:
            raise QueryProblem(message, repair(self.original, self.max_wildcards))

    def peek(self) -> Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> Token:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def parse(self):
        node = self.parse_or()
        while self.peek() is not None:  # a stray ")"
            self.take()
            self.problem("A closing parenthesis has no opening one.")
            more = self.parse_or()
            node = combine("AND", [node, more])
        return node

    def parse_or(self):
        children = [self.parse_and()]
        while (token := self.peek()) is not None and token.kind == "OP" and token.text == "OR":
            self.take()
            children.append(self.parse_and())
            if children[-2] is None or children[-1] is None:
                self.problem("OR needs a search term on each side.")
        return combine("OR", children)

    def parse_and(self):
        children = []
        while (token := self.peek()) is not None and token.kind != "RPAREN":
            if token.kind == "OP" and token.text == "OR":
                break
            if token.kind == "OP" and token.text == "AND":
                self.take()
                following = self.peek()
                if (
                    not children
                    or following is None
                    or following.kind in ("RPAREN", "OP")
                    and following.text != "NOT"
                ):
                    self.problem("AND needs a search term on each side.")
                continue
            children.append(self.parse_unary())
        return combine("AND", children)

    def parse_unary(self):
        token = self.peek()
        if token.kind == "NEG" or (token.kind == "OP" and token.text == "NOT"):
            self.take()
            if self.peek() is None or self.peek().kind in ("RPAREN", "OP"):
                self.problem("NOT and - need a search term after them.")
                return None
            child = self.parse_unary()
            return Not(child) if child is not None else None
        return self.parse_atom()

    def parse_atom(self):
        token = self.take()
        if token.kind == "LPAREN":
            return self.parse_group()
        if token.kind == "FIELD":
            return self.parse_field(token.text)
        if token.kind == "OP":  # "AND" right after NOT/-
            self.problem(f"{token.text} needs a search term on each side.")
            return None
        if token.kind == "RPAREN":
            self.problem("A closing parenthesis has no opening one.")
            return None
        return self.leaf(token, *self.fields[-1])

    def parse_group(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryProblem(
                f"Parentheses are nested more than {MAX_DEPTH} deep.",
                repair(self.original, self.max_wildcards),
            )
        node = self.parse_or()
        if self.peek() is None:
            self.problem("A parenthesis is not closed.")
        else:
            self.take()
            if node is None:
                self.problem("A pair of parentheses holds no search terms.")
        self.depth -= 1
        return node

    def parse_field(self, name: str):
        if name not in FIELDS:
            known = ", ".join(SHOWN_FIELD_NAMES)
            self.problem(f"There is no field called {name!r}. Fields: {known}.")
            return Term(name) if self.lenient else None
        token = self.peek()
        if token is None or token.kind not in ("WORD", "PHRASE", "LPAREN"):
            self.problem(f"{name}: needs a value right after the colon, like {name}:value.")
            return None
        if token.kind == "LPAREN":  # tag:(MARR OR PGOV)
            self.take()
            self.fields.append(FIELDS[name])
            node = self.parse_group()
            self.fields.pop()
            return node
        return self.leaf(self.take(), *FIELDS[name])

    def leaf(self, token: Token, index_field: str, kind: str):
        self.clauses += 1
        if self.clauses > MAX_CLAUSES:
            if self.lenient:  # the suggestion keeps the first terms
                return None
            raise QueryProblem(
                f"The query has more than {MAX_CLAUSES} terms.", repair(self.original, self.max_wildcards)
            )
        if token.kind == "PHRASE":
            return self.phrase(token.text, index_field, kind)
        node = self.value(token.text, index_field) if kind == "value" else self.word(token.text, index_field)
        return self.counted_wildcard(node) if isinstance(node, Term) and (node.prefix or node.fuzzy) else node

    def counted_wildcard(self, term: Term):
        self.wildcards += 1
        if self.wildcards <= self.max_wildcards:
            return term
        if self.lenient:  # the suggestion keeps the first ones
            return None
        raise QueryProblem(
            f"The query has more than {self.max_wildcards} prefix* and fuzzy~ terms; each one is "
            "looked up among every word of the archive. Keep the ones that matter most.",
            repair(self.original, self.max_wildcards),
        )

    def value(self, text: str, index_field: str):
        stem = text.rstrip("*")
        if not stem:
            self.problem("A * on its own would match everything: leave the box empty to browse all.")
            return None
        if stem != text and len(stem) < MIN_PREFIX:
            self.problem(f"Put at least {MIN_PREFIX} letters before a *, as in secur*.")
            return Term(stem, index_field)
        return Term(stem, index_field, prefix=stem != text)

    def phrase(self, text: str, index_field: str, kind: str):
        if kind == "value":
            return Phrase(text.strip(), index_field) if text.strip() else None
        words = query_words(text)
        if not words:
            return None
        return Phrase(" ".join(words), index_field) if len(words) > 1 else Term(words[0], index_field)

    def word(self, text: str, index_field: str):
        fuzzy_match = re.fullmatch(r"(.+?)~([0-9.]*)", text)
        if fuzzy_match:
            return self.fuzzy(fuzzy_match.group(1), fuzzy_match.group(2), index_field)
        if text.endswith("*"):
            return self.prefix(text.rstrip("*"), index_field)
        if "*" in text or "?" in text:
            self.problem("Only a * at the end of a word is supported (prefix*).")
            text = text.replace("*", " ").replace("?", " ")
        words = query_words(text)
        if not words:
            return None
        return Term(words[0], index_field) if len(words) == 1 else Phrase(" ".join(words), index_field)

    def prefix(self, stem: str, index_field: str):
        words = WORD_TOKEN.findall(stem)
        if not words:
            self.problem("A * on its own would match everything: leave the box empty to browse all.")
            return None
        if len(words) > 1 or len(words[0]) < MIN_PREFIX:
            self.problem(f"Put at least {MIN_PREFIX} letters before a *, as in secur*.")
            return Term(" ".join(words), index_field) if len(words) > 1 else Term(words[0], index_field)
        return Term(words[0], index_field, prefix=True)

    def fuzzy(self, word: str, distance: str, index_field: str):
        words = WORD_TOKEN.findall(word)
        if len(words) != 1:
            self.problem("Put ~ right after a single word, as in narcotics~.")
            return self.word(" ".join(words), index_field) if words else None
        if distance == "":
            edits = 1
        elif distance.isdigit() and 1 <= int(distance) <= MAX_FUZZY:
            edits = int(distance)
        else:
            self.problem(f"Fuzzy matching allows 1 or {MAX_FUZZY} differences: word~1 or word~{MAX_FUZZY}.")
            edits = MAX_FUZZY
        return Term(words[0], index_field, fuzzy=edits)


def query_words(text: str) -> list[str]:
    """The words of a query's text; a compound of numbers alone (a date) is its parts."""
    words = []
    for word in WORD_TOKEN.findall(text):
        words += [word] if not is_compound(word) or has_letter(word) else word.split("-")
    return words


def has_letter(word: str) -> bool:
    return any(ch.isalpha() for ch in word)


def is_compound(word: str) -> bool:
    return "-" in word


def alternatives(leaf) -> list:
    """Other spellings a word or phrase in a text field also finds, as the index analyses text:
    `counter-terrorism` is also the phrase "counter terrorism"; "counter terrorism" is also
    the word counterterrorism. (A compound is indexed joined and as parts: counterterrorism
    and counter-terrorism need no alternative.)"""
    if leaf.field in VALUE_FIELDS or (isinstance(leaf, Term) and (leaf.prefix or leaf.fuzzy)):
        return []
    words = leaf.text.split()
    if any(is_compound(word) for word in words):
        return [Phrase(" ".join(leaf.text.replace("-", " ").split()), leaf.field)]
    if isinstance(leaf, Phrase) and 1 < len(words) <= MAX_JOINED_PHRASE and all(map(has_letter, words)):
        return [Term("".join(words), leaf.field)]
    return []


def stop_words_as_phrase(tree, indexed):
    """A query made only of words the index leaves out (`the`, `to be or not to be`) as one
    phrase, which the engine looks for among the stop words it keeps apart; `indexed(word)`
    tells whether the index keeps a (lowercased) word. Any other query is returned as it is."""
    leaves = tree.children if isinstance(tree, Group) and tree.operator == "AND" else [tree]
    if not leaves or not all(isinstance(leaf, (Term, Phrase)) for leaf in leaves):
        return tree
    if any(leaf.field or (isinstance(leaf, Term) and (leaf.prefix or leaf.fuzzy)) for leaf in leaves):
        return tree
    words = [word for leaf in leaves for word in WORD_TOKEN.findall(leaf.text)]
    if not words or any(indexed(word.lower()) for word in words):
        return tree
    return Phrase(" ".join(words))


def combine(operator: str, children: list):
    children = [child for child in children if child is not None]
    if not children:
        return None
    return children[0] if len(children) == 1 else Group(operator, children)


def parse(query: str, max_wildcards: int = MAX_WILDCARD_TERMS):
    """The tree for a query (None if it has no search terms); QueryProblem if malformed."""
    query = check_input(query, max_wildcards)
    if not query:
        return None
    tokens = tokenize(query, max_wildcards=max_wildcards)
    tree = Parser(tokens, lenient=False, original=query, max_wildcards=max_wildcards).parse()
    if tree is None:
        raise QueryProblem("The query has no words to search for: use letters or digits.")
    return tree


def repair(query: str, max_wildcards: int = MAX_WILDCARD_TERMS) -> str:
    """The nearest query that parses: unclosed quotes closed, stray operators dropped…"""
    query = " ".join(query.split())[:MAX_QUERY_LENGTH]
    try:
        tokens = tokenize(query, lenient=True)
        tree = Parser(tokens, lenient=True, original="", max_wildcards=max_wildcards).parse()
    except QueryProblem:
        return ""
    return render(tree)
