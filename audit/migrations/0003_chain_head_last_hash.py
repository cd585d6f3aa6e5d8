from django.db import migrations, models

# Chain name -> the table of its entries, when this migration was written.
CHAIN_TABLES = {
    "access_events": "audit_accessevent",
    "change_entries": "audit_changeentry",
}


def copy_newest_links(apps, schema_editor):
    """Give each head its chain's newest link, so writers can link to it."""
    chain_head = apps.get_model("audit", "ChainHead")
    chain_checkpoint = apps.get_model("audit", "ChainCheckpoint")
    with schema_editor.connection.cursor() as cursor:
        for head in chain_head.objects.all():
            cursor.execute(
                f"SELECT chain_hash FROM {CHAIN_TABLES[head.chain]} WHERE id = %s",  # noqa: S608
                [head.last_id],
            )
            row = cursor.fetchone()
            if row is None:
                row = (
                    chain_checkpoint.objects.filter(
                        chain=head.chain, last_id=head.last_id
                    )
                    .values_list("last_hash")
                    .first()
                )
            head.last_hash = row[0] if row else ""
            head.save(update_fields=["last_hash"])


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0002_trail"),
    ]

    operations = [
        migrations.AddField(
            model_name="chainhead",
            name="last_hash",
            field=models.CharField(blank=True, default="", max_length=73),
        ),
        migrations.RunPython(copy_newest_links, migrations.RunPython.noop),
    ]
