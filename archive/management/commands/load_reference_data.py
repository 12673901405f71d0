from django.core.management.base import BaseCommand

from archive.models import Source, Tag
from archive.reference_data import glossary_report, load_sources, load_tag_glossary


class Command(BaseCommand):
    help = (
        "Load the known sources and the glossary of cable TAGS codes from fixtures/ (safe to re-run), "
        "then list the tags in use that are not codes and the codes that still have no description."
    )

    def handle(self, *args, **options):
        sources = load_sources(Source)
        codes = load_tag_glossary(Tag)
        self.stdout.write(f"{sources} sources, {codes} TAGS codes in the glossary")
        report = glossary_report(Tag)
        self.write_section(
            "tags in use that are not TAGS codes (no description is given to them)",
            [f"{tag.name}: {tag.reason}, {documents(tag.documents)}" for tag in report.not_codes],
        )
        self.write_section(
            "codes in use without a description (add them to fixtures/tag_glossary.json)",
            [f"{tag.name}: {documents(tag.documents)}" for tag in report.undescribed],
        )

    def write_section(self, title: str, lines: list[str]) -> None:
        self.stdout.write(f"{len(lines)} {title}" + (":" if lines else ""))
        for line in lines:
            self.stdout.write(f"  {line}")


def documents(n: int) -> str:
    return f"{n:,} document" + ("" if n == 1 else "s")
