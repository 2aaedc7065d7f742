from tortoise import migrations
from tortoise.migrations import operations as ops
from api.flows.models import MessageAuthor
from api.inbox.models import ConversationStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    """The Inbox (issue 14): conversations, read marks, page views, presence; the bot's
    transcript also holds visitor and operator messages (author, operator, chosen; no run)."""

    dependencies = [('propflow', '0006_token_last_used')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Conversation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('workspace_id', fields.IntField()),
                ('contact', fields.OneToOneField('propflow.Contact', source_field='contact_id', db_constraint=True, to_field='id', related_name='conversation', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(description='OPEN: OPEN\nRESOLVED: RESOLVED', enum_type=ConversationStatus, max_length=16)),
                ('assignee', fields.ForeignKeyField('propflow.Operator', source_field='assignee_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('waiting_for_operator', fields.BooleanField(default=False)),
                ('operator_joined', fields.BooleanField(default=False)),
                ('visitor_messages', fields.IntField(default=0)),
                ('last_activity_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'conversation', 'app': 'propflow', 'indexes': [Index(fields=['workspace_id', 'last_activity_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PageViewRecord',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('contact', fields.ForeignKeyField('propflow.Contact', source_field='contact_id', db_constraint=True, to_field='id', related_name='page_view_records', on_delete=OnDelete.CASCADE)),
                ('url', fields.CharField(max_length=2048)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'page_view_record', 'app': 'propflow', 'indexes': [Index(fields=['contact_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReadMark',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('conversation', fields.ForeignKeyField('propflow.Conversation', source_field='conversation_id', db_constraint=True, to_field='id', related_name='read_marks', on_delete=OnDelete.CASCADE)),
                ('operator', fields.ForeignKeyField('propflow.Operator', source_field='operator_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('read_count', fields.IntField(default=0)),
            ],
            options={'table': 'read_mark', 'app': 'propflow', 'unique_together': (('conversation', 'operator'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='VisitorPresence',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('workspace_id', fields.IntField()),
                ('visitor_id', fields.CharField(max_length=128)),
                ('sockets', fields.IntField(default=0)),
                ('online_since', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_seen_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('current_url', fields.CharField(null=True, max_length=2048)),
                ('pages_this_visit', fields.IntField(default=0)),
            ],
            options={'table': 'visitor_presence', 'app': 'propflow', 'unique_together': (('workspace_id', 'visitor_id'),), 'indexes': [Index(fields=['workspace_id', 'sockets'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='BotMessage',
            name='node_id',
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AlterField(
            model_name='BotMessage',
            name='run',
            field=fields.ForeignKeyField('propflow.FlowRun', source_field='run_id', null=True, db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.CASCADE),
        ),
        ops.AddField(
            model_name='BotMessage',
            name='author',
            field=fields.CharEnumField(default=MessageAuthor.BOT, db_default='BOT', description='VISITOR: VISITOR\nBOT: BOT\nOPERATOR: OPERATOR', enum_type=MessageAuthor, max_length=16),
        ),
        ops.AddField(
            model_name='BotMessage',
            name='chosen',
            field=fields.CharField(null=True, max_length=500),
        ),
        ops.AddField(
            model_name='BotMessage',
            name='operator',
            field=fields.ForeignKeyField('propflow.Operator', source_field='operator_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL),
        ),
        # SQLite rebuilds bot_message for the altered columns and drops its indexes on the way:
        # the transcript's (contact_id, id) index comes back (a no-op on PostgreSQL).
        ops.RunSQL(
            'CREATE INDEX IF NOT EXISTS "idx_bot_message_contact_3a7909" '
            'ON "bot_message" ("contact_id", "id")'
        ),
    ]
