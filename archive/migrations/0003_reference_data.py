from django.db import migrations


def load_reference_data(apps, schema_editor):
    from archive.reference_data import load_sources, load_tag_glossary

    load_sources(apps.get_model("archive", "Source"))
    load_tag_glossary(apps.get_model("archive", "Tag"))


class Migration(migrations.Migration):
    """The known sources and the glossary of cable TAGS codes (fixtures/), so that even a fresh
    database shows each code's description."""

    dependencies = [("archive", "0002_tagger_group")]

    operations = [migrations.RunPython(load_reference_data, migrations.RunPython.noop)]
