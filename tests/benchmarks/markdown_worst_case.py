"""How long staff Markdown takes to render, worst cases first: prints one line per input.

    DJANGO_SETTINGS_MODULE=archive.settings .venv/bin/python -m tests.benchmarks.markdown_worst_case
    … --before   also times the plain Markdown renderer (no limits) on the review's inputs

Each input repeats a pattern up to the length limit (ARCHIVE_MARKDOWN_MAX_CHARS) and says
whether the admin refuses it (and why) and how long render_markdown takes: Markdown for
accepted text, plain paragraphs for refused text that reached the database another way.
"""

from __future__ import annotations

import argparse
import time

import django


def repeat(unit: str, length: int, prefix: str = "") -> str:
    body = unit * ((length - len(prefix)) // len(unit))
    return prefix + body


def lines_of(unit: str, lines: int, length: int) -> str:
    """The unit repeated to `lines` lines, its first line padded with words to fill `length`."""
    first, *rest = unit.split("\n")
    repeats = lines // (len(rest) + 1)
    width = length // repeats - len(unit) - 1
    padded = "\n".join([first + " w" * (width // 2), *rest])
    return "\n".join([padded] * repeats)


def cases(length: int, max_lines: int, nesting: int) -> dict[str, str]:
    return {
        "review: See [ + [ x N": repeat("[", length, "See ["),
        "unclosed ![": repeat("![", length),
        "nested [[[…]]]": "[" * (length // 2) + "]" * (length // 2),
        "unclosed link (": repeat("[a](", length),
        "quotes > > >": repeat("> ", length),
        "headings a/= (one block)": repeat("a\n=\n", length),
        f"{nesting} unclosed [ then text": "[" * nesting + repeat("word ", length - nesting),
        f"[ nested {nesting} deep, repeated": repeat("[" * nesting + "x" + "]" * nesting + " ", length),
        f"{nesting} unclosed link ( then text": repeat("[a](", 4 * nesting)
        + repeat("w ", length - 4 * nesting),
        f"quotes {nesting} deep, each line": repeat("> " * nesting + "x\n", length),
        f"headings, {max_lines} lines": lines_of("a\n=", max_lines, length),
        f"rules, {max_lines} lines": lines_of("a\n---", max_lines, length),
        f"list items, {max_lines} lines": lines_of("- a", max_lines, length),
        "links [a](b)": repeat("[a](b)", length),
        "emphasis *a*": repeat("*a*", length),
        "emphasis unclosed *a": repeat("*a", length),
        "list and quote - > on one line": repeat("- > ", length),
        "raw tags <a <a": repeat("<a ", length),
        "escapes \\[": repeat("\\[", length),
        "table rows": "a|b\n-|-\n" + repeat("|x", length - 8),
        "plain prose": repeat("The cable reports a meeting. ", length),
    }


def timed(render, text: str) -> float:
    start = time.perf_counter()
    render(text)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", action="store_true", help="also time Markdown without the limits")
    options = parser.parse_args()
    django.setup()
    from archive import rendering

    length = rendering.markdown_max_chars()
    lines, nesting = rendering.MARKDOWN_MAX_LINES, rendering.MARKDOWN_MAX_NESTING
    print(f"limits: {length:,} characters, {lines} lines, nesting {nesting}")
    print(f"{'input':40} {'chars':>7} {'lines':>6}  {'admin':8} {'render':>8}")
    results = []
    for name, text in cases(length, lines, nesting).items():
        problem = rendering.markdown_problem(text)
        seconds = timed(rendering.render_markdown, text)
        results.append(seconds)
        verdict = "refused" if problem else "accepted"
        print(f"{name:40} {len(text):7,} {text.count(chr(10)) + 1:6,}  {verdict:8} {seconds:7.3f}s")
    print(f"slowest: {max(results):.3f}s")
    if options.before:
        import markdown

        print("\nwithout the limits (Markdown as rendered before, on every page view):")
        for size in (5_000, 10_000, 30_000):
            text = "See [" + "[" * size
            seconds = timed(lambda t: markdown.markdown(t, extensions=["sane_lists", "tables"]), text)
            print(f"{'review: See [ + [ x ' + format(size, ','):40} {len(text):7,} {seconds:8.3f}s")


if __name__ == "__main__":
    main()
