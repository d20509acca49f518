"""The office's decisions on the certificate graph: a flagged relation marked legitimate, and the
decision withdrawn. Pages (``findings/certificate_views.py``) and the API
(``findings/certificate_api.py``) both call these, so both refuse the same way.

A decision names the relation by its problem key (``services/certificates.py``); see
``CertificateDecision`` for why that survives catalog edits.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.queries import is_office
from core.errors import ActionError

from . import certificates
from .models import CertificateDecision

REASON_MAX = 2000


def _office(actor) -> None:
    if not is_office(actor):
        raise PermissionDenied(_("Only the office decides on the certificate graph."))


def certificate_decide(*, actor, problem: str, reason: str) -> tuple[CertificateDecision, bool]:
    """Mark the flagged problem ``problem`` (its key) legitimate, for ``reason``. Returns the decision
    and whether it is new: a second click on a problem the decision covers already changes nothing.
    A bundle decision outgrown (more items demand the certificate now) is replaced by the new one,
    which covers the items demanding it now; the old one is kept as withdrawn."""
    _office(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ActionError(_("Give the reason why this relation is legitimate."))
    if "\x00" in reason:  # no text column takes it (PostgreSQL refuses the statement)
        raise ActionError(_("The reason contains a character that cannot be stored."))
    if len(reason) > REASON_MAX:
        raise ActionError(_("The reason may be at most %(max)d characters long.") % {"max": REASON_MAX})
    found = certificates.problem_resolve(problem)
    if found is None:
        raise ActionError(_("This certificate problem is no longer in the catalog; nothing was decided."))
    if found.decided:
        return found.decision, False
    now = timezone.now()
    try:
        with transaction.atomic():
            if found.decision is not None:  # outgrown: the new decision takes its place
                CertificateDecision.objects.filter(pk=found.decision.pk, withdrawn_at__isnull=True).update(
                    withdrawn_by=actor, withdrawn_at=now)
            decision = CertificateDecision.objects.create(
                kind=found.kind, key=found.spec, items=found.demanders(), reason=reason, decided_by=actor, decided_at=now)
    except IntegrityError:
        # Someone decided the same problem at the same moment: theirs stands.
        current = certificates.decision_in_force(found.spec)
        if current is None:
            raise
        return current, False
    return decision, True


@transaction.atomic
def certificate_decision_withdraw(*, actor, problem: str) -> CertificateDecision:
    """Withdraw the decision in force for the key ``problem``: the relation is flagged again. The
    decision is kept, with who withdrew it and when. Works whether or not the relation is in the
    catalog now."""
    _office(actor)
    decision = None
    if certificates.spec_parse(problem) is not None:  # a well-formed key, never any text into the query
        decision = CertificateDecision.objects.select_for_update().filter(key=problem, withdrawn_at__isnull=True).first()
    if decision is None:
        raise ActionError(_("This relation is not marked legitimate; nothing was withdrawn."))
    decision.withdrawn_by = actor
    decision.withdrawn_at = timezone.now()
    decision.save(update_fields=["withdrawn_by", "withdrawn_at"])
    return decision
