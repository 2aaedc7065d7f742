from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    """When the visitor's last widget socket closed (none while one is open): a "Visitor stays
    on a page" timer whose page view came before finds the visitor gone."""

    dependencies = [('propflow', '0010_persisted_documents')]

    initial = False

    operations = [
        ops.AddField(
            model_name='VisitorPresence',
            name='left_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
