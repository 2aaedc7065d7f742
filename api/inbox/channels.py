"""Broker channel names of the Inbox and of a visitor's widget, in one place for both sides."""


def inbox_channel(workspace_id: int) -> str:
    """The workspace's Inbox events: messages, conversation changes, presence."""
    return f"inbox:{workspace_id}"


def visitor_channel(workspace_id: int, visitor_id: str) -> str:
    """One visitor's transcript messages, for its widget."""
    return f"visitor:{workspace_id}:{visitor_id}"
