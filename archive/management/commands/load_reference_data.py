from django.core.management.base import BaseCommand

from archive.models import Source, Tag
from archive.reference_data import load_sources, load_tag_glossary


class Command(BaseCommand):
    help = "Load the known sources and the glossary of cable TAGS codes from fixtures/ (safe to re-run)."

    def handle(self, *args, **options):
        sources = load_sources(Source)
        codes = load_tag_glossary(Tag)
        self.stdout.write(f"{sources} sources, {codes} TAGS codes in the glossary")
