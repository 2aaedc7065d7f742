from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('propflow', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Flow',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('workspace', fields.ForeignKeyField('propflow.Workspace', source_field='workspace_id', db_constraint=True, to_field='id', related_name='flows', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=200)),
                ('draft', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('revision', fields.IntField(default=1)),
                ('enabled', fields.BooleanField(default=True)),
                ('published_version', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'flow', 'app': 'propflow', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FlowPropertyUse',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('flow', fields.ForeignKeyField('propflow.Flow', source_field='flow_id', db_constraint=True, to_field='id', related_name='property_uses', on_delete=OnDelete.CASCADE)),
                ('workspace_id', fields.IntField()),
                ('key', fields.CharField(max_length=64)),
            ],
            options={'table': 'flow_property_use', 'app': 'propflow', 'unique_together': (('flow', 'key'),), 'indexes': [Index(fields=['workspace_id', 'key'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FlowVersion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('flow', fields.ForeignKeyField('propflow.Flow', source_field='flow_id', db_constraint=True, to_field='id', related_name='versions', on_delete=OnDelete.CASCADE)),
                ('version', fields.IntField()),
                ('graph', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('published_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('published_by', fields.ForeignKeyField('propflow.Operator', source_field='published_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'flow_version', 'app': 'propflow', 'unique_together': (('flow', 'version'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
