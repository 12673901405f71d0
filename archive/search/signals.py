"""Keep the search index in step with the database, including tag edits.

haystack's RealtimeSignalProcessor hears only saves and deletes of indexed models: tag
changes (m2m_changed), paragraph edits and tag renames never reached the index. This
processor hears all of them and records the affected documents in the index queue
(archive.search.indexing), which applies them after the commit.
"""

from __future__ import annotations

from django.db.models import signals
from haystack.signals import BaseSignalProcessor

from archive.models import Document, Paragraph, Tag
from archive.search.indexing import record_changes

TAG_CHANGES = {"post_add", "post_remove", "post_clear"}


def document_saved(sender, instance, using, **kwargs):
    record_changes([instance.pk], using=using)


def document_deleted(sender, instance, using, **kwargs):
    record_changes([instance.pk], deleted=True, using=using)


def paragraph_changed(sender, instance, using, **kwargs):
    record_changes([instance.document_id], using=using)


def document_tags_changed(sender, instance, action, reverse, pk_set, using, **kwargs):
    if not reverse:
        if action in TAG_CHANGES:
            record_changes([instance.pk], using=using)
    elif action in ("post_add", "post_remove"):
        record_changes(pk_set or (), using=using)
    elif action == "pre_clear":
        # tag.documents.clear(): after it, nothing says which documents had the tag.
        record_changes(tagged_document_pks(instance, using), using=using)


def tagged_document_pks(tag: Tag, using: str):
    return (
        Document.tags.through.objects.using(using).filter(tag_id=tag.pk).values_list("document_id", flat=True)
    )


def tag_before_save(sender, instance, using, raw=False, **kwargs):
    """Remember the stored name: only a rename changes what the index holds."""
    if instance.pk is None or raw:
        instance._indexed_name = None
        return
    instance._indexed_name = (
        Tag.objects.using(using).filter(pk=instance.pk).values_list("name", flat=True).first()
    )


def tag_saved(sender, instance, created, using, **kwargs):
    old_name = getattr(instance, "_indexed_name", None)
    if not created and old_name is not None and old_name != instance.name:
        record_changes(tagged_document_pks(instance, using), using=using)


def tag_before_delete(sender, instance, using, **kwargs):
    # The tag's links are deleted with it, without m2m_changed: record its documents first.
    record_changes(tagged_document_pks(instance, using), using=using)


RECEIVERS = [
    (signals.post_save, document_saved, Document),
    (signals.post_delete, document_deleted, Document),
    (signals.post_save, paragraph_changed, Paragraph),
    (signals.post_delete, paragraph_changed, Paragraph),
    (signals.m2m_changed, document_tags_changed, Document.tags.through),
    (signals.pre_save, tag_before_save, Tag),
    (signals.post_save, tag_saved, Tag),
    (signals.pre_delete, tag_before_delete, Tag),
]


class ArchiveSignalProcessor(BaseSignalProcessor):
    """HAYSTACK_SIGNAL_PROCESSOR: every change to what a document shows is queued for the index."""

    def setup(self):
        for signal, receiver, sender in RECEIVERS:
            signal.connect(receiver, sender=sender, dispatch_uid=f"archive-search-{receiver.__name__}")

    def teardown(self):
        for signal, receiver, sender in RECEIVERS:
            signal.disconnect(receiver, sender=sender, dispatch_uid=f"archive-search-{receiver.__name__}")
