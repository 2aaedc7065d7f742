from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    """When each operator token was last used: written at most once a minute per token."""

    dependencies = [('propflow', '0005_no_text_value_index')]

    initial = False

    operations = [
        ops.AddField(
            model_name='OperatorToken',
            name='last_used_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
