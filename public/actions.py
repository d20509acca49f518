"""Writes about public requests (局长陪您办): receiving one from the public page, and the office's three
answers to it — arrange a walkthrough, forward it as a finding, close it with a reply.

The page (``public/views.py``) and the API (``public/api.py``) both call these; each of the office's
functions checks that the actor is the office, locks the request's row, and refuses a closed request.
"""
from __future__ import annotations

import datetime
import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.queries import is_office
from core.errors import ActionError, Conflict, TransitionNotAllowed
from findings import actions as finding_actions
from inspections import actions as walkthrough_actions
from inspections.models import Identity, Mode
from webhooks.events import Event, emit

from .models import PublicRequest, PublicRequestStatus

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone
REPLY_MAX = PublicRequest._meta.get_field("reply").max_length


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


@transaction.atomic
def request_receive(*, kind: str, service_item, item_text: str, name: str, phone: str, description: str,
                    preferred_date: datetime.date | None) -> PublicRequest:
    """Store a citizen's request (the input is the public form's, already validated) and tell the
    webhooks. The event carries no personal data: no name, no phone, no text of theirs."""
    item = PublicRequest.objects.create(
        kind=kind, code=new_code(), service_item=service_item, item_text=item_text.strip(), name=name.strip(),
        phone=phone, description=description.strip(), preferred_date=preferred_date,
    )
    emit(Event.PUBLIC_REQUEST_RECEIVED, department_id=service_item.department_id if service_item else None, data={
        "public_request": {
            "id": item.pk, "kind": item.kind, "status": item.status, "service_item": item.service_item_id,
            "created_at": timezone.localtime(item.created_at).isoformat(),
        },
    })
    return item


def _lock(public_request: PublicRequest, actor) -> PublicRequest:
    """The request's row, locked, once the actor is known to be the office and it is not closed."""
    if not is_office(actor):
        raise PermissionDenied(_("Only the office handles public requests."))
    locked = PublicRequest.objects.select_for_update().get(pk=public_request.pk)
    if locked.status == PublicRequestStatus.CLOSED:
        if public_request.status != PublicRequestStatus.CLOSED:
            raise Conflict(_("Someone else closed this request meanwhile; reload it."))
        raise TransitionNotAllowed(_("This request is closed."))
    return locked


def _catalog_item(locked: PublicRequest):
    if locked.service_item is None:
        raise ActionError(_("This request names no catalog item: nothing can be arranged or forwarded; close it with a reply."))
    return locked.service_item


def _reply(reply: str, *, required: bool = False) -> str:
    reply = reply.strip()
    if required and not reply:
        raise ActionError(_("Write the reply to the requester."))
    if len(reply) > REPLY_MAX:
        raise ActionError(_("The reply is longer than %(n)d characters.") % {"n": REPLY_MAX})
    return reply


def _handled(locked: PublicRequest, actor) -> PublicRequest:
    locked.handled_by = actor
    locked.save(update_fields=["walkthrough", "finding", "status", "reply", "handled_by", "updated_at"])
    return locked


@transaction.atomic
def request_arrange(*, public_request: PublicRequest, actor, leader, scheduled_for: datetime.date,
                    reply: str = "") -> PublicRequest:
    """Plan an accompanying walkthrough (as an applicant, at the window) for ``leader`` on the date;
    the request is then ``arranged``. A blank reply gets the default one, naming the date."""
    locked = _lock(public_request, actor)
    reply = _reply(reply)
    item = _catalog_item(locked)
    walkthrough = walkthrough_actions.walkthrough_plan(
        actor=actor, service_item=item, leader=leader, mode=Mode.ACCOMPANY, identity=Identity.APPLICANT,
        channel="window", scheduled_for=scheduled_for,
    )
    locked.walkthrough, locked.status = walkthrough, PublicRequestStatus.ARRANGED
    locked.reply = reply or _("A head will accompany you on %(date)s; the office will call you.") % {
        "date": scheduled_for.strftime("%Y-%m-%d")}
    return _handled(locked, actor)


@transaction.atomic
def request_forward(*, public_request: PublicRequest, actor, category: str, title: str, reply: str = "") -> PublicRequest:
    """File a finding against the item's department, quoting the code and the requester's text; the
    request is then ``forwarded``. A blank reply gets the default one."""
    locked = _lock(public_request, actor)
    reply = _reply(reply)
    item = _catalog_item(locked)
    finding = finding_actions.finding_file(
        actor=actor, department=item.department, service_item=item, category=category, title=title,
        description=_("From the public page (局长陪您办), request %(code)s:\n%(text)s") % {
            "code": locked.code, "text": locked.description},
    )
    locked.finding, locked.status = finding, PublicRequestStatus.FORWARDED
    locked.reply = reply or _("Your report has been passed to the department for rectification.")
    return _handled(locked, actor)


@transaction.atomic
def request_close(*, public_request: PublicRequest, actor, reply: str) -> PublicRequest:
    """Close the request with the reply the requester reads with their code; a closed request is final."""
    locked = _lock(public_request, actor)
    reply = _reply(reply, required=True)
    locked.status, locked.reply = PublicRequestStatus.CLOSED, reply
    return _handled(locked, actor)
