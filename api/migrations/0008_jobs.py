from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index


async def procrastinate_schema(apps, schema_editor):
    """PostgreSQL runs jobs on procrastinate: its tables and functions, as this version ships them."""
    if schema_editor.client.capabilities.dialect != "postgres":
        return
    from procrastinate.schema import SchemaManager

    await schema_editor.client.execute_script(SchemaManager.get_schema())


class Migration(migrations.Migration):
    """Jobs: the in-process worker's table (SQLite), procrastinate's schema (PostgreSQL), when
    a run waiting on a timer goes on, what started a run of a "Property changed" trigger, and
    webhook deliveries with each workspace's signing secret, and each contact's last page view
    (for the visit triggers)."""

    dependencies = [('propflow', '0007_inbox')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Job',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=64)),
                ('payload', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('due_ms', fields.BigIntField()),
                ('status', fields.CharField(default='todo', max_length=8)),
                ('attempts', fields.IntField(default=0)),
                ('lease_ms', fields.BigIntField(default=0)),
                ('last_error', fields.CharField(null=True, max_length=500)),
            ],
            options={'table': 'job', 'app': 'propflow', 'indexes': [Index(fields=['status', 'due_ms'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='FlowRun',
            name='resume_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='FlowRun',
            name='trigger_chain',
            field=fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='FlowRun',
            name='cause',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.CreateModel(
            name='WebhookDelivery',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('workspace_id', fields.IntField()),
                ('flow_id', fields.IntField()),
                ('run_id', fields.IntField()),
                ('node_id', fields.CharField(max_length=200)),
                ('url', fields.CharField(max_length=2000)),
                ('keys', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('status', fields.CharField(default='pending', max_length=16)),
                ('attempts', fields.IntField(default=0)),
                ('last_status_code', fields.IntField(null=True)),
                ('last_error', fields.CharField(null=True, max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'webhook_delivery', 'app': 'propflow', 'indexes': [Index(fields=['flow_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookSecret',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('workspace_id', fields.IntField(unique=True)),
                ('secret', fields.CharField(max_length=128)),
            ],
            options={'table': 'webhook_secret', 'app': 'propflow', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ContactVisit',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('contact', fields.OneToOneField('propflow.Contact', source_field='contact_id', db_constraint=True, to_field='id', related_name='last_visit', on_delete=OnDelete.CASCADE)),
                ('last_view_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_url', fields.CharField(max_length=2000)),
                ('views', fields.IntField(default=1)),
            ],
            options={'table': 'contact_visit', 'app': 'propflow', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.RunPython(procrastinate_schema),
    ]
