from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """PostgreSQL refuses btree index rows over about 2.7 kB, and a TEXT value may hold 10,000
    characters; text filters compare lower(value_text), so the index served no filter."""

    dependencies = [('propflow', '0004_allowed_origins')]

    initial = False

    operations = [
        ops.RemoveIndex(model_name='PropertyValue', fields=['property_id', 'value_text']),
    ]
