"""The visitor's free text and transcript, for the widget.

A visitor can always type. Its text (re)opens its conversation in the Inbox; when a flow's
question waits for a typed answer, the text answers it as `visitorReply` would (and the bot
goes on). Other text starts the flows whose "Visitor says" trigger it matches (unless an
operator has joined the conversation); when their bot says something, the visitor has an
answer and the conversation does not wait for an operator (a hand-off still makes it wait).
Like every visitor event it is checked before any database work: the visitor id, the text
(`api/inbox/text.py`), the rate limits; an `eventId` makes a retry count once.
"""

from __future__ import annotations

from tortoise.transactions import in_transaction

from api.contacts import service as contacts_service
from api.errors import ValidationFailedError
from api.flows import runner, transcript
from api.flows.models import BotMessage, MessageAuthor
from api.inbox import conversations
from api.inbox.text import check_message_text
from api.rate_limits import Limit
from api.visitors import event_ids, page_views
from api.visitors.page_views import EventResult
from api.visitors.service import MAX_ID_LENGTH, Guard, announce, check_text, count_if_new
from api.workspaces import service as workspaces_service
from flow_graph.nodes.base import Reply

MAX_TRANSCRIPT_PAGE = 200


async def send_message(
    *, workspace_key: str, visitor_id: str, text: str, event_id: str | None, guard: Guard
) -> EventResult:
    """The visitor's message: into the transcript and the Inbox, or a waiting question's answer."""
    check_text("visitorId", visitor_id, MAX_ID_LENGTH)
    text = check_message_text(text)
    if event_id is not None:
        check_text("eventId", event_id, MAX_ID_LENGTH)
    await guard.limiter.hit(Limit.VISITOR_EVENTS, workspace_key, visitor_id)
    workspace = await workspaces_service.workspace_for_key(workspace_key)
    await count_if_new(workspace.id, visitor_id, guard)
    claim = None if event_id is None else (workspace.id, visitor_id, event_id)
    fingerprint = event_ids.fingerprint("message", text)
    async with in_transaction():
        contacts = await contacts_service.visitor_contacts([(workspace.id, visitor_id)])
        contact = contacts[workspace.id, visitor_id]
        batch = await runner.lock_for_runs([contact])
        if claim is not None:
            seen = await event_ids.sort_out([(claim, fingerprint)])
            if 0 in seen.conflicts:
                raise seen.conflicts[0]
            if 0 in seen.answered:
                return await page_views.answered(seen.answered[0])
        answered = await runner.waiting_for_text(contact)
        changes = None
        if answered:
            changes = await runner.resume_waiting(batch, contact, reply=Reply(text=text))
        if changes is None:
            said = await transcript.add(contact.id, author=MessageAuthor.VISITOR, text=text)
            changes = await runner.run_said(batch, contact, text)
            changes.answers.insert(0, said)
            answered = bool(changes.messages)
        changes.conversation = await conversations.visitor_wrote(contact, answered_by_bot=answered)
        if claim is not None:
            message_ids = [m.id for m in changes.messages]
            answer = event_ids.Answer(contact.id, changes.started_runs, message_ids)
            await event_ids.claim([(claim, fingerprint, answer)])
    await announce(changes)
    return EventResult(contact.id, changes.messages, changes.started_runs, committed=changes)


async def visitor_transcript(
    *, workspace_key: str, visitor_id: str, first: int
) -> list[BotMessage]:
    """The visitor's latest messages, oldest first (none for a visitor never seen)."""
    check_text("visitorId", visitor_id, MAX_ID_LENGTH)
    if not 0 <= first <= MAX_TRANSCRIPT_PAGE:
        raise ValidationFailedError(f"'first' must be 0 to {MAX_TRANSCRIPT_PAGE}", field="first")
    workspace = await workspaces_service.workspace_for_key(workspace_key)
    contact = await contacts_service.find_visitor_contact(workspace.id, visitor_id)
    if contact is None:
        return []
    messages, _ = await transcript.page(contact.id, first=first)
    return messages
