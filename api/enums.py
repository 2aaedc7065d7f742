"""The contract's enums, registered with strawberry once, before any GraphQL type uses them.

The enum classes live where their meaning does (flow_graph, the contacts models); types modules
import this module so the registration (with descriptions) always comes first.
"""

import strawberry

from api.contacts.models import ChangeSource
from flow_graph.operators import FilterOperator
from flow_graph.property_types import PropertyType

strawberry.enum(PropertyType, description="The type of a property; it never changes.")
strawberry.enum(FilterOperator, description="How a filter compares a property with a value.")
strawberry.enum(ChangeSource, description="Who or what made a change.")

__all__ = ["ChangeSource", "FilterOperator", "PropertyType"]
