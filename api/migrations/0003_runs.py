from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('propflow', '0002_flows')]

    initial = False

    operations = [
        ops.CreateModel(
            name='FlowRun',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('flow', fields.ForeignKeyField('propflow.Flow', source_field='flow_id', db_constraint=True, to_field='id', related_name='runs', on_delete=OnDelete.CASCADE)),
                ('workspace_id', fields.IntField()),
                ('version', fields.IntField()),
                ('contact', fields.ForeignKeyField('propflow.Contact', source_field='contact_id', db_constraint=True, to_field='id', related_name='runs', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharField(max_length=16)),
                ('current_node_id', fields.CharField(null=True, max_length=200)),
                ('retries', fields.IntField(default=0)),
                ('failure', fields.CharField(null=True, max_length=500)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'flow_run', 'app': 'propflow', 'indexes': [Index(fields=['contact_id', 'status']), Index(fields=['flow_id', 'version', 'contact_id']), Index(fields=['flow_id', 'started_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BotMessage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('contact', fields.ForeignKeyField('propflow.Contact', source_field='contact_id', db_constraint=True, to_field='id', related_name='bot_messages', on_delete=OnDelete.CASCADE)),
                ('run', fields.ForeignKeyField('propflow.FlowRun', source_field='run_id', db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.CASCADE)),
                ('node_id', fields.CharField(max_length=200)),
                ('text', fields.TextField(unique=False)),
                ('options', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('expects_answer', fields.BooleanField(default=False)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'bot_message', 'app': 'propflow', 'indexes': [Index(fields=['contact_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FlowNodeEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('run', fields.ForeignKeyField('propflow.FlowRun', source_field='run_id', db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.CASCADE)),
                ('flow_id', fields.IntField()),
                ('version', fields.IntField()),
                ('node_id', fields.CharField(max_length=200)),
            ],
            options={'table': 'flow_node_entry', 'app': 'propflow', 'indexes': [Index(fields=['flow_id', 'version', 'node_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='VisitorEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('workspace_id', fields.IntField()),
                ('visitor_id', fields.CharField(max_length=128)),
                ('event_id', fields.CharField(max_length=128)),
                ('payload_hash', fields.CharField(max_length=64)),
                ('result', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'visitor_event', 'app': 'propflow', 'unique_together': (('workspace_id', 'visitor_id', 'event_id'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
