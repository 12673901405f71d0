"""The Tagger group, and the permission that separates tagging from editing.

Taggers are staff who curate tags: they may view documents and change their
tags, but not their metadata, note, original or paragraphs. The admin needs
`change_document` for the tag form to save, so the line is drawn by a second
permission, `change_document_metadata`, that only editors (and superusers,
who hold every permission) have; DocumentAdmin makes every other field
read-only without it.

Permission rows are created here rather than left to the post_migrate signal,
which runs only after the whole migration plan, too late for this group.
"""

from django.db import migrations

GROUP = "Tagger"
METADATA_CODENAME = "change_document_metadata"
METADATA_NAME = "Can change document metadata, note and text (not only its tags)"

# (model, codename, name): the names match the ones Django's post_migrate would create.
TAGGER_PERMISSIONS = [
    ("document", "view_document", "Can view document"),
    ("document", "change_document", "Can change document"),
    ("paragraph", "view_paragraph", "Can view paragraph"),
    ("source", "view_source", "Can view source"),
    ("tag", "view_tag", "Can view tag"),
    ("tag", "add_tag", "Can add tag"),
    ("tag", "change_tag", "Can change tag"),
]


def permission(apps, model: str, codename: str, name: str):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label="archive", model=model)
    perm, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": name}
    )
    return perm


def create_tagger_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    permission(apps, "document", METADATA_CODENAME, METADATA_NAME)
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(*(permission(apps, *row) for row in TAGGER_PERMISSIONS))


def remove_tagger_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.filter(name=GROUP).delete()
    Permission.objects.filter(content_type__app_label="archive", codename=METADATA_CODENAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_tagger_group, remove_tagger_group)]
