"""Every unmasked read of personal data leaves a row: who, what, when."""

from sqlalchemy.orm import Session

from app.audit import repository
from app.audit.models import PiiRead
from app.errors import Forbidden, Msg
from app.orgs.service import Principal

PII_SCOPE = "pii:read"


def require_pii_scope(principal: Principal) -> None:
    if not principal.can(PII_SCOPE):
        raise Forbidden(
            Msg(
                "此密钥无权查看完整身份证号和电话（需要 pii:read 权限）",
                "this key may not read unmasked ID numbers or phones (needs the pii:read scope)",
            )
        )


def record_pii_read(
    session: Session, principal: Principal, subject_type: str, subject_id: int, fields: list[str], route: str
) -> None:
    repository.record(
        session,
        PiiRead(
            org_id=principal.org_id,
            api_key_id=principal.key_id,
            subject_type=subject_type,
            subject_id=subject_id,
            fields=",".join(fields),
            route=route,
        ),
    )
