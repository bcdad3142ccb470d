"""Reference data as the API shows it."""

from datetime import date

from app.schemas import ReadModel


class DivisionRead(ReadModel):
    code: str
    name: str
    level: str
    parent_code: str | None
    province: str
    longitude: float | None
    latitude: float | None


class OccupationRead(ReadModel):
    code: str
    level: int
    name: str


class PairingRead(ReadModel):
    id: int
    east_code: str
    west_code: str
    level: str
    annual_target: int
    illustrative: bool
    note: str | None
    version: int
    effective_from: date
    start_date: date | None
    end_date: date | None


class MeRead(ReadModel):
    org_id: int
    name: str
    kind: str
    region_code: str
    scopes: list[str]
