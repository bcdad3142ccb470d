"""Worker profiles: who may touch them, what makes one valid, and how personal data is kept."""

from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import authz
from app.audit import service as audit
from app.authz import Action, Resource
from app.clock import today
from app.errors import Conflict, Msg, NotFound, PreconditionFailed, ValidationFailed, field_error
from app.orgs.service import Principal
from app.pii import PiiVault, mask_id_number, mask_phone
from app.reference import service as reference
from app.reference.service import ReferenceIndex
from app.schemas import cleared_required_fields
from app.workers import repository
from app.workers.idnumber import age_on, parse_id_number, sex_of
from app.workers.models import Worker
from app.workers.schemas import WorkerCreate, WorkerRead, WorkerUpdate

ALREADY_REGISTERED = Msg("该身份证号已登记过，请勿重复登记", "a worker with this ID number is already registered")
EXTERNAL_ID_TAKEN = Msg("本机构已有相同编号的劳动者", "your office already has a worker with this external_id")


def reference_errors(
    ref: ReferenceIndex, region: str, values: dict[str, Any], row: int | None = None
) -> list[dict[str, Any]]:
    """Checks that need the reference tables: county inside the office's region, real CSCO codes."""
    errors = []
    if values.get("hukou_county") is not None:
        problem = ref.county_problem(values["hukou_county"], region)
        if problem:
            errors.append(field_error("hukou_county", problem, row))
    for field in ("skills", "desired_occupations"):
        problem = ref.occupation_problem(values.get(field) or [])
        if problem:
            errors.append(field_error(field, problem, row))
    return errors


def stored_columns(values: dict[str, Any], vault: PiiVault) -> dict[str, Any]:
    """Turn validated input into table columns: ID and phone hashed, encrypted and masked."""
    out = dict(values)
    if "id_number" in out:
        id_number = out.pop("id_number")
        out.update(
            id_hash=vault.fingerprint(id_number),
            id_number_enc=vault.encrypt(id_number),
            id_number_masked=mask_id_number(id_number),
            sex=sex_of(id_number),  # the input was validated: no need to parse it again
        )
    if "phone" in out:
        phone = out.pop("phone")
        out.update(phone_enc=vault.encrypt(phone) if phone else None, phone_masked=mask_phone(phone) if phone else None)
    return out


def create_worker(session: Session, principal: Principal, data: WorkerCreate, vault: PiiVault) -> Worker:
    owner = authz.reach(principal, Resource.worker, Action.write).worker_owner
    assert owner is not None
    values = data.model_dump()
    errors = reference_errors(reference.index(session), principal.region_code, values)
    if errors:
        raise ValidationFailed(errors)
    columns = stored_columns(values, vault)
    if repository.id_hash_taken(session, columns["id_hash"]):
        raise Conflict(ALREADY_REGISTERED, [field_error("id_number", ALREADY_REGISTERED)])
    if repository.external_id_taken(session, owner, data.external_id):
        raise Conflict(EXTERNAL_ID_TAKEN, [field_error("external_id", EXTERNAL_ID_TAKEN)])
    try:
        with session.begin_nested():
            return repository.add(session, Worker(owner_org_id=owner, **columns))
    except IntegrityError:  # a concurrent registration of the same person won the race
        raise Conflict(ALREADY_REGISTERED, [field_error("id_number", ALREADY_REGISTERED)]) from None


def get_worker(session: Session, principal: Principal, worker_id: int, *, write: bool = False) -> Worker:
    reach = authz.reach(principal, Resource.worker, Action.write if write else Action.read)
    worker = repository.get(session, worker_id, reach.worker_owner)
    if worker is None:
        raise NotFound("worker")
    return worker


def update_worker(
    session: Session, principal: Principal, worker_id: int, data: WorkerUpdate, if_match: int | None, vault: PiiVault
) -> Worker:
    """Apply only the fields sent; a stale If-Match (or a concurrent write) answers 412."""
    worker = get_worker(session, principal, worker_id, write=True)
    if if_match is not None and if_match != worker.version:
        raise PreconditionFailed()
    values = data.model_dump(exclude_unset=True)
    errors = cleared_required_fields(values, WorkerCreate)
    errors += reference_errors(reference.index(session), principal.region_code, values)
    if errors:
        raise ValidationFailed(errors)
    columns = stored_columns(values, vault)
    if "id_hash" in columns and repository.id_hash_taken(session, columns["id_hash"], except_id=worker.id):
        raise Conflict(ALREADY_REGISTERED, [field_error("id_number", ALREADY_REGISTERED)])
    for column, value in columns.items():
        setattr(worker, column, value)
    session.flush()  # the version column makes this UPDATE ... WHERE version = old: a lost race fails here
    return worker


def list_workers(
    session: Session, principal: Principal, after_id: int, limit: int, filters: dict[str, Any]
) -> list[Worker]:
    reach = authz.reach(principal, Resource.worker, Action.read)
    return repository.page(session, reach.worker_owner, after_id, limit, filters)


def birth_date_of(worker: Worker, vault: PiiVault) -> date:
    """Read from the encrypted ID number: a stored birth date would unmask it."""
    return parse_id_number(vault.decrypt(worker.id_number_enc)).birth_date


def reveal_worker(session: Session, principal: Principal, worker: Worker, vault: PiiVault, route: str) -> WorkerRead:
    """The unmasked profile, for pii:read keys only; every such read leaves an audit row."""
    audit.require_pii_scope(principal)
    audit.record_pii_read(session, principal, "worker", worker.id, ["id_number", "phone"], route)
    return to_read(worker, vault, unmasked=True)


def to_read(worker: Worker, vault: PiiVault, *, unmasked: bool = False) -> WorkerRead:
    """Masked unless the caller went through reveal_worker()."""
    id_number, phone = worker.id_number_masked, worker.phone_masked
    if unmasked:
        id_number = vault.decrypt(worker.id_number_enc)
        phone = vault.decrypt(worker.phone_enc) if worker.phone_enc else None
    return WorkerRead(
        id=worker.id,
        external_id=worker.external_id,
        owner_org_id=worker.owner_org_id,
        id_number=id_number,
        name=worker.name,
        phone=phone,
        sex=worker.sex,
        age=age_on(birth_date_of(worker, vault), today()),
        hukou_county=worker.hukou_county,
        education=worker.education,
        skills=worker.skills,
        past_jobs=worker.past_jobs,
        desired_occupations=worker.desired_occupations,
        channel_preference=worker.channel_preference,
        expected_wage=worker.expected_wage,
        registered_low_income=worker.registered_low_income,
        monitored_household=worker.monitored_household,
        dependants=worker.dependants,
        consent_to_share=worker.consent_to_share,
        version=worker.version,
        created_at=worker.created_at,
        updated_at=worker.updated_at,
    )
