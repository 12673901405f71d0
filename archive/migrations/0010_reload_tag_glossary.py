from django.db import migrations

# Glossary texts that guessed at a non-standard tag from one cable; they are no definitions,
# and MAR's made the tag autocomplete offer MAR for "SNA" (USNATO). Cleared where unchanged.
RETIRED = {
    "ENVR": (
        "Non-standard tag as written in one cable (09LAPAZ635); probably environmental affairs, "
        "whose standard code is SENV"
    ),
    "MAR": (
        "Non-standard tag as written in one cable (09USNATO334); probably a truncated MARR "
        "(military and defense arrangements)"
    ),
    "WTRQ": "Non-standard tag of unknown meaning, as written in one cable (08REYKJAVIK135)",
}


def reload_tag_glossary(apps, schema_editor):
    """Databases made before the glossary grew get the new descriptions, rendered as the pages
    show them (this historical model does not render on save)."""
    from archive.reference_data import load_tag_glossary
    from archive.rendering import render_markdown

    tag_model = apps.get_model("archive", "Tag")
    for name, text in RETIRED.items():
        tag_model.objects.filter(name=name, description=text).update(description="", description_html="")
    load_tag_glossary(tag_model)
    described = tag_model.objects.filter(kind="subject", description_html="").exclude(description="")
    for pk, text in described.values_list("pk", "description"):
        tag_model.objects.filter(pk=pk).update(description_html=render_markdown(text))


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0009_honest_numbering"),
    ]

    operations = [migrations.RunPython(reload_tag_glossary, migrations.RunPython.noop)]
