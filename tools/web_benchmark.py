"""The archive as a web in `manage.py benchmark`: generated articles that name and quote the
cables, `manage.py relink` over the whole archive, and the pages of the most cited cables
(their "Cited by" lists and the graph of their neighbourhood)."""

from __future__ import annotations

from pathlib import Path

ARTICLES_DIR = "articles"
CITED_PAGE = "cited cable"


def articles_dir(data_dir: Path) -> Path:
    return data_dir / ARTICLES_DIR


def generate_args(data_dir: Path) -> list[str]:
    """generate_corpus's arguments for the articles: one per hundred cables."""
    return ["--articles-dir", str(articles_dir(data_dir))]


def import_articles_args(data_dir: Path) -> list[str]:
    return ["import_documents", str(articles_dir(data_dir)), "-v", "0"]


def most_cited_cables(total: int) -> list[str]:
    """The identifiers of the `total` cables most cited by others: the longest "Cited by" lists."""
    from archive.models import Document

    cables = Document.objects.cables().filter(cited_count__gt=0).order_by("-cited_count", "pk")
    return list(cables.values_list("identifier", flat=True)[:total])


def cited_page_samples(client, total: int, timed_get) -> dict[str, list[float]]:
    """Milliseconds of each most cited cable's page (its first visit in this process)."""
    from urllib.parse import quote

    return {CITED_PAGE: [timed_get(client, f"/documents/{quote(i)}/", 200) for i in most_cited_cables(total)]}


def figures(phases: dict, data_dir: Path) -> dict:
    """The relink phase and how many articles the archive was given."""
    found = {"articles": len(list(articles_dir(data_dir).glob("*.txt")))}
    if "relink" in phases:
        found["relink_seconds"] = phases["relink"].seconds
    return found


def lines(figures: dict) -> list[str]:
    if "relink_seconds" not in figures:
        return []
    return [
        f"  relink            {figures['relink_seconds']:>9.1f} s   (references and news links of "
        f"{figures['count']:,} cables and {figures['articles']:,} articles)"
    ]
