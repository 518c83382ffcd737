"""Data pre-identification from disputes: repeated disputes between the same parties or at the
same address within 90 days propose a "dispute escalation" risk point (risks.proposals).

One query for all repeat links of the window; the links are grouped into chains in memory, so
a feud that produced five cases makes one proposal, keyed by its first case.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.models import DisputeRepeat, EscalationRisk
from disputes.workflow import REPEAT_WINDOW_DAYS
from risks.models import ProposalRule, RiskCategory
from risks.proposals import Candidate, register_proposal_rule

RULE_FOR_REASON = {
    DisputeRepeat.Reason.PARTIES: ProposalRule.REPEATED_DISPUTES_PARTIES,
    DisputeRepeat.Reason.ADDRESS: ProposalRule.REPEATED_DISPUTES_ADDRESS,
}


def _find(parent: dict[int, int], node: int) -> int:
    while parent.setdefault(node, node) != node:
        parent[node] = parent[parent[node]]
        node = parent[node]
    return node


@register_proposal_rule
def repeated_disputes(as_of: date) -> list[Candidate]:
    since = timezone.make_aware(
        datetime.combine(as_of - timedelta(days=REPEAT_WINDOW_DAYS - 1), time.min)
    )
    until = timezone.make_aware(datetime.combine(as_of + timedelta(days=1), time.min))
    rows = DisputeRepeat.objects.filter(
        case__created_at__gte=since, case__created_at__lt=until
    ).values_list(
        "reason",
        "case_id",
        "earlier_id",
        "case__grid_cell_id",
        "case__grid_cell__code",
        "case__escalation_risk",
    )
    chains: dict[str, dict[int, int]] = {}
    info: dict[tuple[str, int], tuple[int, str, str]] = {}
    for reason, case_id, earlier_id, cell_id, code, risk in rows:
        parent = chains.setdefault(reason, {})
        root_a, root_b = _find(parent, case_id), _find(parent, earlier_id)
        if root_a != root_b:
            parent[max(root_a, root_b)] = min(root_a, root_b)
        info[(reason, case_id)] = (cell_id, code, risk)
    candidates = []
    for reason, parent in chains.items():
        groups: dict[int, list[int]] = {}
        for node in list(parent):
            groups.setdefault(_find(parent, node), []).append(node)
        for first_case, members in groups.items():
            newest = max(member for member in members if (reason, member) in info)
            cell_id, code, _risk = info[(reason, newest)]
            high = any(
                info.get((reason, member), (0, "", ""))[2] == EscalationRisk.HIGH
                for member in members
            )
            count = len(members)
            if reason == DisputeRepeat.Reason.PARTIES:
                title = _("Repeated disputes between the same parties in grid cell %(code)s")
            else:
                title = _("Repeated disputes at the same address in grid cell %(code)s")
            candidates.append(
                Candidate(
                    grid_cell_id=cell_id,
                    rule=RULE_FOR_REASON[reason],
                    subject_key=f"{reason}:{first_case}",
                    title=title % {"code": code},
                    detail=_(
                        "%(count)s dispute cases in 90 days, the first D%(first)06d; an "
                        "unresolved feud can turn into a criminal case."
                    )
                    % {"count": count, "first": first_case},
                    category=RiskCategory.DISPUTE_ESCALATION,
                    likelihood=4 if count >= 3 else 3,
                    severity=4 if high else 3,
                    evidence={"cases": sorted(members)},
                )
            )
    return candidates
