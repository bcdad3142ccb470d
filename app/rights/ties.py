"""Where a placement's end leads: the rights case it suggests opening."""

from app.rights.schemas import SuggestedCase

# A dispute is most often about the contract (unlawful dismissal, no written contract); pay is wage arrears.
CASE_FOR_END_REASON = {"dispute": "contract", "injury": "work_injury", "quit_wage": "wage_arrears"}


def suggested_case(end_reason: str | None) -> SuggestedCase | None:
    kind = CASE_FOR_END_REASON.get(end_reason or "")
    return SuggestedCase(kind=kind) if kind else None
