"""What the layer above adds to a walkthrough, without walkthroughs importing it.

Findings are filed from walkthroughs, so ``findings`` imports ``inspections`` and never the reverse
(docs/architecture.md). The walk page and the walkthrough API still list the findings filed from a
walkthrough, and who may see a finding is decided by the findings app alone. So the findings app
registers its visibility rule here when it starts (``FindingsConfig.ready``); without it — walkthroughs
installed on their own — a walkthrough lists no findings.
"""
from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet

_findings_visible: Callable[[object], QuerySet] | None = None


def findings_visible_register(rule: Callable[[object], QuerySet]) -> None:
    global _findings_visible
    _findings_visible = rule


def walkthrough_findings_visible(user) -> QuerySet | None:
    """The findings ``user`` may see (filter them by walkthrough), or None when no app files any."""
    return _findings_visible(user) if _findings_visible is not None else None
