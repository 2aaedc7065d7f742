"""The contract's enums, registered with strawberry once, before any GraphQL type uses them.

The enum classes live where their meaning does (flow_graph, the contacts models); types modules
import this module so the registration (with descriptions) always comes first.
"""

import strawberry

from api.contacts.models import ChangeSource
from api.flows.models import MessageAuthor
from api.inbox.models import ConversationStatus
from flow_graph.operators import FilterOperator
from flow_graph.property_types import PropertyType

strawberry.enum(PropertyType, description="The type of a property; it never changes.")
strawberry.enum(FilterOperator, description="How a filter compares a property with a value.")
strawberry.enum(ChangeSource, description="Who or what made a change.")
strawberry.enum(
    MessageAuthor, description="Who wrote a message: the visitor, a flow or an operator."
)
strawberry.enum(ConversationStatus, description="OPEN until an operator resolves it.")

__all__ = [
    "ChangeSource",
    "ConversationStatus",
    "FilterOperator",
    "MessageAuthor",
    "PropertyType",
]
