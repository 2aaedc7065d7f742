from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    """Documents registered ahead of time (`propflow persisted-queries load FILE`)."""

    dependencies = [('propflow', '0009_value_sort_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PersistedDocument',
            fields=[
                ('id', fields.CharField(primary_key=True, max_length=64, unique=True, db_index=True)),
                ('body', fields.TextField(unique=False)),
                ('name', fields.CharField(null=True, max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'persisted_document', 'app': 'propflow', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
