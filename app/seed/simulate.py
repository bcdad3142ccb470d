"""Build the demo world as numpy arrays: organisations, workers, vacancies, placement histories, follow-ups.

No database here: `build_world` is pure (a seed and a reference in, arrays out), so it can be measured and
calibrated on its own. It runs one stage per kind of row (`build_occupations`, `build_workers`,
`build_organisations`, `build_vacancies`, `build_pairings`, `build_placements`, `headcount`, `follow_ups`), each
returning a dataclass; a new kind of demo row gets a stage of its own, placed after the stages it reads. Loops run
over placement *rounds* (a worker's 1st, 2nd, ... job), never over rows.
"""

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from app.placements.schemas import END_REASONS
from app.seed import catalog, model
from app.seed.reference import Reference, workshop_title
from matching.features import haversine_km
from matching.festivals import SPRING_FESTIVALS

EPOCH = date(1970, 1, 1)
P_CROSS_BY_CHANNEL = np.array([0.97, 0.05, 0.15, 0.75])  # chance a job search goes east, by stated preference
# Weight of "none of these, keep looking": a poor offer (far, no dormitory, low pay) is often turned down.
DECLINE_WEIGHT = 0.5
FOLLOW_UP_DAYS = (7, 28, 84)
SETBACKS = [model.REASON[r] for r in ("dismissed", "injury", "dispute")]  # a longer pause before the next job
QUITS = np.array([r.startswith("quit_") or r == "dispute" for r in END_REASONS])
NEVER = np.int64(10**7)  # a day number far in the future

# Follow-up notes in one list; NOTE_OFFSET says where each group starts (the concern notes are contiguous).
NOTE_TEXTS: list[str] = list(catalog.NOTES_OK)
NOTE_OFFSET: dict[str, int] = {"ok": 0, "concern": len(NOTE_TEXTS)}
for _name, _notes in catalog.NOTES_CONCERN.items():
    NOTE_OFFSET[_name] = len(NOTE_TEXTS)
    NOTE_TEXTS.extend(_notes)
N_CONCERN_NOTES = len(NOTE_TEXTS) - NOTE_OFFSET["concern"]
NOTE_OFFSET["left"] = len(NOTE_TEXTS)
NOTE_TEXTS.extend(catalog.NOTES_LEFT)
NOTE_OFFSET["unreachable"] = len(NOTE_TEXTS)
NOTE_TEXTS.extend(catalog.NOTES_UNREACHABLE)


def day_number(d: date) -> int:
    return (d - EPOCH).days


def to_dates(days: np.ndarray) -> list[date]:
    return list((np.datetime64("1970-01-01") + days.astype("timedelta64[D]")).astype(object))


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    dt = np.datetime64("1970-01-01") + days.astype("timedelta64[D]")
    months = dt.astype("datetime64[M]")
    return (
        dt.astype("datetime64[Y]").astype(np.int64) + 1970,
        months.astype(np.int64) % 12 + 1,
        (dt - months).astype(np.int64) + 1,
    )


def ages_on(birth: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Completed years, exactly as app.workers.idnumber.age_on counts them."""
    by, bm, bd = ymd(birth)
    ty, tm, td = ymd(day)
    return ty - by - ((tm < bm) | ((tm == bm) & (td < bd)))


@dataclass
class Orgs:
    kind: list[str] = field(default_factory=list)
    name: list[str] = field(default_factory=list)
    region: list[str] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, name: str, region: str) -> int:
        """Register an organisation; a repeated name gets a number, as a second branch would."""
        self.seen[name] = self.seen.get(name, 0) + 1
        self.kind.append(kind)
        self.name.append(name if self.seen[name] == 1 else f"{name}（{self.seen[name]}）")
        self.region.append(region)
        return len(self.kind) - 1


@dataclass
class Groups:
    """Row indices grouped by a small integer key, for drawing a random member of a worker's group."""

    order: np.ndarray
    start: np.ndarray
    count: np.ndarray

    @classmethod
    def build(cls, members: np.ndarray, keys: np.ndarray, n_keys: int) -> "Groups":
        order = members[np.argsort(keys, kind="stable")]
        count = np.bincount(keys, minlength=n_keys)
        return cls(order=order, start=np.concatenate([[0], np.cumsum(count)[:-1]]), count=count)

    def draw(self, rng: np.random.Generator, key: np.ndarray, size: int) -> np.ndarray:
        """`size` random members of each row's group (-1 where the key is -1 or the group is empty)."""
        key = np.asarray(key)
        safe = np.where(key >= 0, key, 0)
        count = np.where(key >= 0, self.count[safe], 0)
        offset = (rng.random((len(key), size)) * count[:, None]).astype(np.int64)
        pos = np.minimum(self.start[safe][:, None] + offset, max(len(self.order) - 1, 0))
        picked = self.order[pos] if len(self.order) else np.zeros_like(pos)
        return np.where(count[:, None] > 0, picked, -1)


@dataclass
class Occupations:
    """The codes the demo uses: vacancy labels, the level-4 codes workers name, and past jobs as real titles."""

    vac_codes: list[str]
    worker_codes: list[str]
    vac_code_mask: np.ndarray  # per vacancy code: bit set of the families a worker's wish or skill matches
    worker_code_mask: np.ndarray  # per worker code: its family's bit
    past_job_titles: list[str]
    past_job_skill: np.ndarray  # per past-job title: the worker code it teaches, -1 = none
    past_job_p: np.ndarray  # per past-job title: its chance, weighted like the east's hiring


@dataclass
class Workers:
    county: np.ndarray
    registered: np.ndarray
    birth: np.ndarray
    male: np.ndarray
    serial: np.ndarray
    surname: np.ndarray
    given: np.ndarray  # (n, 2) indices into the sex's character list, -1 = none
    phone: np.ndarray  # (n, 2): prefix index, 8-digit number
    education: np.ndarray
    channel: np.ndarray
    expected_wage: np.ndarray
    low_income: np.ndarray
    monitored: np.ndarray
    dependants: np.ndarray
    consent: np.ndarray
    skills: np.ndarray  # (n, 3) indices into worker_codes, -1 = none
    past_jobs: np.ndarray  # (n, 3) indices into past_job_titles, -1 = none
    desired: np.ndarray  # (n, 3) indices into worker_codes, -1 = none
    # latent or derived: not stored in the database as such
    stock: np.ndarray  # registered before the window opened
    wish_mask: np.ndarray  # bit set of the families the worker wishes for
    skill_mask: np.ndarray  # bit set of the families the worker has skills in
    frailty: np.ndarray
    # the org index of the county office that registered the worker; the organisations stage fills it in
    owner: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))


@dataclass
class Employers:
    """Eastern employers first, then the western assistance workshops; indices run over both."""

    n_east: int
    east_county: np.ndarray
    east_industry: np.ndarray  # index into catalog.EAST_INDUSTRIES
    workshop_county: np.ndarray
    workshop_industry: np.ndarray  # index into catalog.WEST_INDUSTRIES
    org: np.ndarray  # org index of each employer
    quality: np.ndarray  # latent: lowers or raises every hazard at the employer


@dataclass
class Agencies:
    region: np.ndarray  # division index of the agency's prefecture
    org: np.ndarray


@dataclass
class Vacancies:
    employer: np.ndarray  # org index
    county: np.ndarray
    code: np.ndarray  # index into vac_codes
    title: list[str]
    wage_min: np.ndarray
    wage_max: np.ndarray
    housing: np.ndarray
    meals: np.ndarray
    shift: np.ndarray
    contract_months: np.ndarray  # 0 = none
    min_age: np.ndarray
    max_age: np.ndarray  # 0 = none
    education_min: np.ndarray
    start: np.ndarray
    open: np.ndarray
    east: np.ndarray
    # for the simulation: not stored in the database as such
    employer_index: np.ndarray  # index into Employers
    manufacturing: np.ndarray
    headcount_draw: np.ndarray
    close: np.ndarray  # day the vacancy closed, NEVER if still open
    # the headcount stage fills it in: never below the most workers the vacancy held at once
    headcount: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))


@dataclass
class Pairings:
    """The programme's pairings as lookups by division index."""

    prefecture: np.ndarray  # [east prefecture, west prefecture] -> paired
    county: np.ndarray  # [east county, west county] -> paired
    east_prefecture_of: np.ndarray  # a west prefecture's first paired east prefecture, -1 = none
    east_county_of: np.ndarray  # a west county's first paired east county, -1 = none


@dataclass
class Placements:
    """Sorted by start day, then worker."""

    worker: np.ndarray
    vacancy: np.ndarray
    start: np.ndarray
    end: np.ndarray  # -1 = still running (censored)
    reason: np.ndarray  # index into END_REASONS, -1 = running
    referrer: np.ndarray  # org index, -1 = none
    trained: np.ndarray  # latent: not stored in the database
    paired: np.ndarray


@dataclass
class FollowUps:
    placement: np.ndarray
    date: np.ndarray
    contact: np.ndarray
    outcome: np.ndarray
    note: np.ndarray  # index into NOTE_TEXTS, -1 = no note


@dataclass
class World:
    today: int
    first_day: int
    ref: Reference
    orgs: Orgs
    occupations: Occupations
    workers: Workers
    vacancies: Vacancies
    placements: Placements
    follow_ups: FollowUps

    def marginals(self) -> dict[str, object]:
        """Share of placements ending within 90 days, among those whose 90-day outcome is known."""
        p, v, wk = self.placements, self.vacancies, self.workers
        known = p.start <= self.today - 90
        early = (p.end >= 0) & (p.end - p.start < 90)
        east = v.east[p.vacancy]
        same_county = v.county[p.vacancy] == wk.county[p.worker]
        out: dict[str, object] = {}
        for label, mask in (
            ("cross_region", east),
            ("local", ~east),  # in Guangxi: the home county or nearby
            ("local_home_county", ~east & same_county),
            ("local_nearby", ~east & ~same_county),
        ):
            denom = int((known & mask).sum())
            out[f"{label}_90d_known"] = denom
            out[f"{label}_90d_departure_share"] = (
                round(float((early & known & mask).sum()) / denom, 4) if denom else None
            )
        ended = p.end >= 0
        reasons = np.bincount(p.reason[ended], minlength=len(END_REASONS))
        out["end_reasons"] = {r: int(c) for r, c in zip(END_REASONS, reasons, strict=True)}
        return out


def _choice(rng: np.random.Generator, n: int, weights: dict[str, float] | list[float]) -> np.ndarray:
    p = np.array(list(weights.values()) if isinstance(weights, dict) else weights, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def _pick_rows(rng: np.random.Generator, weights: np.ndarray, decline: float = 0.0) -> np.ndarray:
    """One column per row with probability proportional to its weight, or -1 (declined: weight `decline`)."""
    cum = np.cumsum(weights, axis=1)
    total = cum[:, -1]
    u = rng.random(len(weights)) * (total + decline)
    pick = (cum < u[:, None]).sum(axis=1)
    return np.where((total > 0) & (u < total), np.minimum(pick, weights.shape[1] - 1), -1)


def build_world(ref: Reference, workers: int, vacancies: int, years: int, seed: int, today: date) -> World:
    """The stages in the order they draw from one generator: reorder them and every seed's world changes."""
    rng = np.random.default_rng(seed)
    today_d = day_number(today)
    first_day = today_d - 365 * years
    occupations = build_occupations(rng, ref)
    people = build_workers(rng, ref, occupations, workers, first_day, today_d)
    orgs, employers, agencies = build_organisations(rng, ref, people, vacancies)
    posts = build_vacancies(rng, ref, occupations, employers, vacancies, first_day, today_d)
    pairings = build_pairings(ref)
    placements = build_placements(
        rng, ref, occupations, people, posts, employers, agencies, pairings, first_day, today_d
    )
    posts.headcount = headcount(rng, posts, placements)
    followed = follow_ups(
        rng, placements.start, placements.end, placements.reason, ~posts.east[placements.vacancy], today_d
    )
    return World(
        today=today_d,
        first_day=first_day,
        ref=ref,
        orgs=orgs,
        occupations=occupations,
        workers=people,
        vacancies=posts,
        placements=placements,
        follow_ups=followed,
    )


def build_occupations(rng: np.random.Generator, ref: Reference) -> Occupations:
    """Vacancy codes from the industries' mixes; worker codes at level 4; past jobs as the vacancies' real titles."""
    vac_codes = sorted(
        {c for ind, _ in catalog.EAST_INDUSTRIES + catalog.WEST_INDUSTRIES for c in ind.codes if c in ref.titles}
    )
    level4 = {c for c in vac_codes if ref.occupation_level.get(c) == 4}
    level4 |= {c for codes in catalog.LEVEL4_FOR_PREFIX.values() for c in codes if ref.occupation_level.get(c) == 4}
    worker_codes = sorted(level4)
    families = sorted({c[:4] for c in vac_codes + worker_codes})
    fam_bit = {f: np.int64(1) << i for i, f in enumerate(families)}
    manufacturing_bits = np.int64(sum(int(bit) for f, bit in fam_bit.items() if f.startswith("6-")))
    vac_code_mask = np.array(
        [manufacturing_bits if c.startswith("6-00") else fam_bit[c[:4]] for c in vac_codes], dtype=np.int64
    )
    worker_code_mask = np.array([fam_bit[c[:4]] for c in worker_codes], dtype=np.int64)
    worker_code_index = {c: i for i, c in enumerate(worker_codes)}

    def level4_of(code: str) -> int:
        if code in worker_code_index:
            return worker_code_index[code]
        for prefix, options in catalog.LEVEL4_FOR_PREFIX.items():
            if code.startswith(prefix):
                return worker_code_index[options[int(rng.integers(len(options)))]]
        return -1

    past_titles: list[str] = []
    past_skill: list[int] = []
    past_weight: list[float] = []
    for ind, iw in catalog.EAST_INDUSTRIES:
        total = sum(w for c, w in ind.codes.items() if c in ref.titles)
        for code, w in ind.codes.items():
            for title in ref.titles.get(code, []):
                past_titles.append(title)
                past_skill.append(level4_of(code))
                past_weight.append(iw * w / total / len(ref.titles[code]))
    return Occupations(
        vac_codes=vac_codes,
        worker_codes=worker_codes,
        vac_code_mask=vac_code_mask,
        worker_code_mask=worker_code_mask,
        past_job_titles=past_titles,
        past_job_skill=np.array(past_skill),
        past_job_p=np.array(past_weight) / sum(past_weight),
    )


def _county_weights(ref: Reference) -> np.ndarray:
    """Each Guangxi county's weight as a home county, by its tier."""
    return np.array([catalog.COUNTY_WEIGHT[ref.county_tier(i)] for i in ref.guangxi_counties])


def build_workers(
    rng: np.random.Generator, ref: Reference, occ: Occupations, n: int, first_day: int, today_d: int
) -> Workers:
    """Who registers where and when, with ID facts, household, preferences, past jobs, skills and wishes."""
    counties = ref.guangxi_counties
    county_w = _county_weights(ref)
    w_county = counties[rng.choice(len(counties), size=n, p=county_w / county_w.sum())]
    mountain = np.isin(ref.codes[w_county], catalog.MOUNTAIN_COUNTIES)
    w_male = rng.random(n) < 0.56
    stock = rng.random(n) < 0.35  # registered before the window opened
    w_registered = np.where(
        stock,
        first_day - rng.integers(0, 365, n),
        rng.integers(first_day, max(today_d - 3, first_day + 1), n),
    )
    age_years = 18 + 37.9 * rng.beta(1.7, 2.6, n)
    w_birth = w_registered - np.floor(age_years * 365.2425).astype(np.int64)
    age_reg = ages_on(w_birth, w_registered)
    w_birth = np.where(age_reg > 55, w_birth + 366, np.where(age_reg < 18, w_birth - 366, w_birth))
    age_reg = ages_on(w_birth, w_registered)
    # Serial: unique within (county, birth date); its parity is the sex digit.
    key = w_county.astype(np.int64) * 100_000 + w_birth
    _, group, counts = np.unique(key, return_inverse=True, return_counts=True)
    order = np.argsort(group, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank[order] = np.arange(n) - np.repeat(starts, counts)
    offset = rng.integers(0, 500, len(counts))[group]
    w_serial = 2 * ((offset + 7 * rank) % 500) + w_male
    w_surname = rng.choice(
        len(catalog.SURNAMES), n, p=np.array(list(catalog.SURNAMES.values())) / sum(catalog.SURNAMES.values())
    )
    n_given = np.where(rng.random(n) < 0.25, 1, 2)
    n_chars = np.where(w_male, len(catalog.GIVEN_MALE), len(catalog.GIVEN_FEMALE))
    w_given = (rng.random((n, 2)) * n_chars[:, None]).astype(np.int64)
    w_given[:, 1] = np.where(n_given == 2, w_given[:, 1], -1)
    w_phone = np.stack(
        [rng.integers(0, len(catalog.PHONE_PREFIXES), n), rng.integers(0, 100_000_000, n)], axis=1
    ).astype(np.int64)
    band = np.where(age_reg < 30, 0, np.where(age_reg < 45, 1, 2))
    w_education = np.empty(n, dtype=np.int64)
    for b, probs in enumerate(catalog.EDUCATION_BY_AGE.values()):
        sel = band == b
        w_education[sel] = rng.choice(len(probs), int(sel.sum()), p=np.array(probs) / sum(probs))
    dep_rate = np.select([age_reg < 25, age_reg < 40, age_reg < 50], [0.2, 1.4, 1.2], 0.8)
    w_dependants = np.minimum(rng.poisson(dep_rate), 5)
    w_monitored = rng.random(n) < np.where(mountain, 0.16, 0.09)
    w_low_income = rng.random(n) < np.where(mountain, 0.7, 0.45)
    w_consent = rng.random(n) < 0.7
    tied = (w_dependants >= 2) | w_monitored | (age_reg >= 45)
    free_p = np.array([0.50, 0.12, 0.13, 0.25])
    tied_p = np.array([0.25, 0.30, 0.25, 0.20])
    u = rng.random(n)
    w_channel = np.where(
        tied, np.searchsorted(np.cumsum(tied_p), u, side="right"), np.searchsorted(np.cumsum(free_p), u, side="right")
    )
    w_channel = np.minimum(w_channel, 3)
    mean_wage = np.array([5300, 2600, 3000, 4500])[w_channel]
    sd_wage = np.array([800, 400, 450, 800])[w_channel]
    w_expected = np.clip(np.round(rng.normal(mean_wage, sd_wage) / 100) * 100, 2000, 9000).astype(np.int64)
    # Past jobs (real titles) and the skills they gave; wishes lean on skills.
    worker_codes = occ.worker_codes
    n_past = np.minimum(_choice(rng, n, [0.3, 0.35, 0.25, 0.1]) + (age_reg >= 35), 3)
    w_past_jobs = rng.choice(len(occ.past_job_titles), (n, 3), p=occ.past_job_p)
    w_past_jobs[np.arange(3)[None, :] >= n_past[:, None]] = -1
    w_skills = np.where(w_past_jobs >= 0, occ.past_job_skill[np.maximum(w_past_jobs, 0)], -1)
    sex_factor = np.ones((2, len(worker_codes)))
    for j, c in enumerate(worker_codes):
        if c.startswith(("6-05", "4-03", "4-01", "6-02")):
            sex_factor[:, j] = (2.5, 0.5)  # (female, male)
        elif c.startswith(("6-18", "6-20", "4-02", "6-30", "6-22", "6-29", "6-31-01", "4-07")):
            sex_factor[:, j] = (0.4, 2.0)
    code_pop = np.ones(len(worker_codes))
    for j in occ.past_job_skill:
        if j >= 0:
            code_pop[j] += 1
    w_desired = np.full((n, 3), -1, dtype=np.int64)
    n_desired = _choice(rng, n, [0.45, 0.4, 0.15]) + 1
    for sex in (0, 1):
        sel = np.flatnonzero(w_male == bool(sex))
        p = code_pop * sex_factor[sex]
        w_desired[sel] = rng.choice(len(worker_codes), (len(sel), 3), p=p / p.sum())
    use_skill = (rng.random(n) < 0.6) & (w_skills[:, 0] >= 0)
    w_desired[:, 0] = np.where(use_skill, w_skills[:, 0], w_desired[:, 0])
    w_desired[np.arange(3)[None, :] >= n_desired[:, None]] = -1
    wish_mask = np.zeros(n, dtype=np.int64)
    skill_mask = np.zeros(n, dtype=np.int64)
    for j in range(3):
        wish_mask |= np.where(w_desired[:, j] >= 0, occ.worker_code_mask[np.maximum(w_desired[:, j], 0)], 0)
        skill_mask |= np.where(w_skills[:, j] >= 0, occ.worker_code_mask[np.maximum(w_skills[:, j], 0)], 0)
    return Workers(
        county=w_county,
        registered=w_registered,
        birth=w_birth,
        male=w_male,
        serial=w_serial,
        surname=w_surname,
        given=w_given,
        phone=w_phone,
        education=w_education,
        channel=w_channel,
        expected_wage=w_expected,
        low_income=w_low_income,
        monitored=w_monitored,
        dependants=w_dependants,
        consent=w_consent,
        skills=w_skills,
        past_jobs=w_past_jobs,
        desired=w_desired,
        stock=stock,
        wish_mask=wish_mask,
        skill_mask=skill_mask,
        frailty=rng.normal(0, model.WORKER_FRAILTY_SD, n),
    )


def _vacancy_split(n_vac: int) -> tuple[int, int]:
    """(eastern, western) vacancies: a quarter of the posts are in workshops near home."""
    n_west = int(round(n_vac * 0.25)) if n_vac >= 2 else 0
    return n_vac - n_west, n_west


def build_organisations(
    rng: np.random.Generator, ref: Reference, workers: Workers, n_vac: int
) -> tuple[Orgs, Employers, Agencies]:
    """Offices, employers (four posts each in the east, two per workshop), agencies and the training school."""
    orgs = Orgs()
    orgs.add("provincial_office", "广西壮族自治区东西部劳务协作办公室", "450000")
    orgs.add("provincial_office", "广东省东西部劳务协作办公室", "440000")
    office_of_county = np.full(len(ref.codes), -1, dtype=np.int64)
    for c in np.unique(workers.county):
        office_of_county[c] = orgs.add("county_office", f"{ref.names[c]}就业服务中心", str(ref.codes[c]))
    workers.owner = office_of_county[workers.county]

    n_east_vac, n_west_vac = _vacancy_split(n_vac)
    n_east_emp = max(1, -(-n_east_vac // 4)) if n_east_vac else 0
    n_workshops = max(1, -(-n_west_vac // 2)) if n_west_vac else 0
    east_codes = list(catalog.EAST_COUNTIES)
    east_w = np.array(list(catalog.EAST_COUNTIES.values()))
    emp_county = np.array([ref.index[c] for c in east_codes])[
        rng.choice(len(east_codes), n_east_emp, p=east_w / east_w.sum())
    ]
    emp_industry = _choice(rng, n_east_emp, [w for _, w in catalog.EAST_INDUSTRIES])
    # Assistance workshops cluster in the poorest counties, where most of the workers come from.
    county_w = _county_weights(ref)
    ws_county = ref.guangxi_counties[rng.choice(len(county_w), n_workshops, p=county_w**2 / (county_w**2).sum())]
    ws_industry = _choice(rng, n_workshops, [w for _, w in catalog.WEST_INDUSTRIES])
    employer_org = np.empty(n_east_emp + n_workshops, dtype=np.int64)
    brands = catalog.EMPLOYER_BRANDS
    for e in range(n_east_emp):
        ec = int(emp_county[e])
        city = catalog.EAST_CITY_NAMES.get(str(ref.codes[ref.prefecture[ec]]), ref.names[ref.prefecture[ec]][:2])
        ind = catalog.EAST_INDUSTRIES[emp_industry[e]][0]
        brand = brands[e % len(brands)] + ("" if e < len(brands) else brands[(e // len(brands)) % len(brands)])
        employer_org[e] = orgs.add("employer", f"{city}市{brand}{catalog.EAST_SUFFIX[ind.name]}", str(ref.codes[ec]))
    for k in range(n_workshops):
        wc = int(ws_county[k])
        ind = catalog.WEST_INDUSTRIES[ws_industry[k]][0]
        village = brands[(k * 7) % len(brands)]
        employer_org[n_east_emp + k] = orgs.add(
            "employer", f"{ref.names[wc]}{village}{ind.name}帮扶车间", str(ref.codes[wc])
        )
    employers = Employers(
        n_east=n_east_emp,
        east_county=emp_county,
        east_industry=emp_industry,
        workshop_county=ws_county,
        workshop_industry=ws_industry,
        org=employer_org,
        quality=rng.normal(0, model.EMPLOYER_QUALITY_SD, n_east_emp + n_workshops),
    )

    worker_prefs = np.bincount(ref.prefecture[workers.county], minlength=len(ref.codes))
    n_agencies = int(np.clip(len(workers.county) // 3000 + 4, 4, 40))
    gx_prefs = np.flatnonzero(worker_prefs)
    agency_region = np.empty(n_agencies, dtype=np.int64)
    agency_region[:2] = [ref.index["441900"], ref.index["440300"]]
    agency_region[2:] = gx_prefs[
        rng.choice(len(gx_prefs), n_agencies - 2, p=worker_prefs[gx_prefs] / worker_prefs[gx_prefs].sum())
    ]
    agency_org = np.empty(n_agencies, dtype=np.int64)
    for a in range(n_agencies):
        r = int(agency_region[a])
        short = ref.names[r].removesuffix("市")
        name = f"{short}{brands[(a * 11 + 3) % len(brands)]}{catalog.AGENCY_NAMES[a % len(catalog.AGENCY_NAMES)]}"
        agency_org[a] = orgs.add("agency", name, str(ref.codes[r]))
    orgs.add("training_school", "柳州市东西部劳务协作技工学校", "450200")
    return orgs, employers, Agencies(region=agency_region, org=agency_org)


def build_vacancies(
    rng: np.random.Generator,
    ref: Reference,
    occ: Occupations,
    employers: Employers,
    n_vac: int,
    first_day: int,
    today_d: int,
) -> Vacancies:
    """Each employer's posts: code and real title from its industry, pay, conditions, rules, opening and closing."""
    n_east_vac, n_west_vac = _vacancy_split(n_vac)
    n_east_emp, n_workshops = employers.n_east, len(employers.workshop_county)
    v_emp = np.concatenate(
        [
            np.arange(n_east_emp),
            rng.choice(n_east_emp, max(n_east_vac - n_east_emp, 0)) if n_east_emp else np.zeros(0, np.int64),
            n_east_emp + np.arange(n_workshops),
            n_east_emp + rng.choice(n_workshops, max(n_west_vac - n_workshops, 0))
            if n_workshops
            else np.zeros(0, np.int64),
        ]
    ).astype(np.int64)[:n_vac]
    v_east = v_emp < n_east_emp
    v_county = np.empty(n_vac, dtype=np.int64)
    v_county[v_east] = employers.east_county[v_emp[v_east]]
    v_county[~v_east] = employers.workshop_county[v_emp[~v_east] - n_east_emp]
    code_index = {c: i for i, c in enumerate(occ.vac_codes)}
    v_code = np.empty(n_vac, dtype=np.int64)
    v_title: list[str] = []
    v_wage_min = np.empty(n_vac, dtype=np.int64)
    v_wage_max = np.empty(n_vac, dtype=np.int64)
    v_housing = np.empty(n_vac, dtype=bool)
    v_meals = np.empty(n_vac, dtype=bool)
    v_shift = np.empty(n_vac, dtype=np.int64)
    v_manufacturing = np.empty(n_vac, dtype=bool)
    delta = np.isin(ref.codes[ref.prefecture[v_county]], catalog.DELTA_PREFECTURES)
    u_title = rng.random(n_vac)
    for v in range(n_vac):
        e = int(v_emp[v])
        ind = (
            catalog.EAST_INDUSTRIES[employers.east_industry[e]][0]
            if v_east[v]
            else catalog.WEST_INDUSTRIES[employers.workshop_industry[e - n_east_emp]][0]
        )
        codes = [c for c in ind.codes if c in code_index]
        code_w = np.array([ind.codes[c] for c in codes])
        code = codes[int(rng.choice(len(codes), p=code_w / code_w.sum()))]
        v_code[v] = code_index[code]
        titles = ref.titles[code]
        if not v_east[v]:
            titles = [t for t in titles if workshop_title(t)] or titles
        v_title.append(titles[int(u_title[v] * len(titles))])
        level = ind.wage[0] * (1.0 if (delta[v] or not v_east[v]) else 0.87)
        wmin = round(level * np.exp(rng.normal(0, 0.10)) / 100) * 100
        wmin = int(np.clip(wmin, 3300 if v_east[v] else 2000, 6500))
        v_wage_min[v] = wmin
        v_wage_max[v] = min(wmin + round(ind.wage[1] * rng.uniform(0.5, 1.3) / 100) * 100, 8500 if v_east[v] else 4000)
        v_housing[v] = rng.random() < ind.housing
        v_meals[v] = rng.random() < ind.meals
        v_shift[v] = rng.choice(3, p=np.array(ind.shifts) / sum(ind.shifts))
        v_manufacturing[v] = ind.manufacturing
    v_contract = np.where(
        v_east,
        np.array([0, 3, 6, 12, 24, 36])[_choice(rng, n_vac, [0.1, 0.05, 0.12, 0.5, 0.15, 0.08])],
        np.array([0, 6, 12])[_choice(rng, n_vac, [0.4, 0.2, 0.4])],
    )
    v_min_age = np.where(rng.random(n_vac) < 0.15, 16, 18)
    v_max_age = np.where(
        v_east,
        np.array([0, 35, 40, 45, 50, 55])[_choice(rng, n_vac, [0.15, 0.08, 0.15, 0.32, 0.2, 0.1])],
        np.array([0, 55, 60])[_choice(rng, n_vac, [0.5, 0.25, 0.25])],
    )
    v_education_min = np.where(
        v_east, _choice(rng, n_vac, [0.3, 0.3, 0.35, 0.05]), _choice(rng, n_vac, [0.7, 0.25, 0.05, 0.0])
    )
    v_hc_draw = np.where(
        v_east,
        np.where(v_manufacturing, rng.lognormal(np.log(20), 0.8, n_vac), rng.lognormal(np.log(6), 0.6, n_vac)),
        rng.lognormal(np.log(10), 0.5, n_vac),
    )
    v_hc_draw = np.clip(np.round(v_hc_draw), 2, 500).astype(np.int64)
    standing = rng.random(n_vac) < 0.45
    v_start = np.where(standing, first_day - rng.integers(0, 180, n_vac), rng.integers(first_day, today_d + 31, n_vac))
    can_close = v_start < today_d - 120
    v_open = ~(can_close & (rng.random(n_vac) < 0.22))
    v_close = np.where(
        v_open, NEVER, v_start + 60 + (rng.random(n_vac) * np.maximum(today_d - 7 - v_start - 60, 1)).astype(np.int64)
    )
    return Vacancies(
        employer=employers.org[v_emp],
        county=v_county,
        code=v_code,
        title=v_title,
        wage_min=v_wage_min,
        wage_max=v_wage_max,
        housing=v_housing,
        meals=v_meals,
        shift=v_shift,
        contract_months=v_contract,
        min_age=v_min_age,
        max_age=v_max_age,
        education_min=v_education_min,
        start=v_start,
        open=v_open,
        east=v_east,
        employer_index=v_emp,
        manufacturing=v_manufacturing,
        headcount_draw=v_hc_draw,
        close=v_close,
    )


def build_pairings(ref: Reference) -> Pairings:
    """(east, west) division pairs at prefecture and county level, as matrices and first-partner lookups."""
    pref_pairs = {(ref.index[p.east_code], ref.index[p.west_code]) for p in ref.pairings if p.level == "prefecture"}
    county_pairs = {(ref.index[p.east_code], ref.index[p.west_code]) for p in ref.pairings if p.level == "county"}
    n_div = len(ref.codes)
    pair_pref = np.zeros((n_div, n_div), dtype=bool)
    pair_county = np.zeros((n_div, n_div), dtype=bool)
    for e, w in pref_pairs:
        pair_pref[e, w] = True
    for e, w in county_pairs:
        pair_county[e, w] = True
    east_pref_of = np.full(n_div, -1, dtype=np.int64)
    for e, w in sorted(pref_pairs):
        east_pref_of[w] = e if east_pref_of[w] < 0 else east_pref_of[w]
    east_county_of = np.full(n_div, -1, dtype=np.int64)
    for e, w in sorted(county_pairs):
        east_county_of[w] = e if east_county_of[w] < 0 else east_county_of[w]
    return Pairings(
        prefecture=pair_pref, county=pair_county, east_prefecture_of=east_pref_of, east_county_of=east_county_of
    )


def build_placements(
    rng: np.random.Generator,
    ref: Reference,
    occ: Occupations,
    wk: Workers,
    vac: Vacancies,
    employers: Employers,
    agencies: Agencies,
    pairings: Pairings,
    first_day: int,
    today_d: int,
) -> Placements:
    """Job histories in rounds: every job-seeking worker finds (or not) their next job, then keeps it a while."""
    n, n_div, n_agencies = len(wk.county), len(ref.codes), len(agencies.org)
    pair_pref, pair_county = pairings.prefecture, pairings.county
    v_county, v_east, v_housing, v_code = vac.county, vac.east, vac.housing, vac.code
    v_mid = (vac.wage_min + vac.wage_max) / 2
    v_pref = ref.prefecture[v_county]
    v_max_age_eff = np.where(vac.max_age > 0, vac.max_age, 200)
    w_county, w_expected, w_channel = wk.county, wk.expected_wage, wk.channel
    w_pref = ref.prefecture[w_county]
    east_idx = np.flatnonzero(v_east)
    west_idx = np.flatnonzero(~v_east)
    east_all = Groups.build(east_idx, np.zeros(len(east_idx), dtype=np.int64), 1)
    east_by_pref = Groups.build(east_idx, v_pref[east_idx], n_div)
    east_by_county = Groups.build(east_idx, v_county[east_idx], n_div)
    west_all = Groups.build(west_idx, np.zeros(len(west_idx), dtype=np.int64), 1)
    west_by_county = Groups.build(west_idx, v_county[west_idx], n_div)
    west_by_pref = Groups.build(west_idx, v_pref[west_idx], n_div)
    agencies_by_pref = Groups.build(np.arange(n_agencies), agencies.region, n_div)

    festivals = np.array([day_number(f) for f in SPRING_FESTIVALS])
    festivals = festivals[(festivals > first_day - 60) & (festivals < today_d + 400)]
    first = np.where(
        wk.stock, first_day + rng.integers(0, 150, n), wk.registered + 3 + rng.exponential(25, n).astype(np.int64)
    )
    # The post-festival hiring wave (节后招工): a quarter of first jobs start in the weeks after a festival.
    nxt = festivals[np.minimum(np.searchsorted(festivals, first), len(festivals) - 1)] if len(festivals) else first
    wave = (rng.random(n) < 0.25) & (nxt > first) & (nxt - first < 300)
    first = np.where(wave, nxt + rng.integers(8, 41, n), first)
    seek = first.astype(np.int64)
    alive = seek <= today_d
    fails = np.zeros(n, dtype=np.int64)
    prior_early = np.zeros(n, dtype=bool)
    rounds: list[tuple[np.ndarray, ...]] = []
    while alive.any():
        ids = np.flatnonzero(alive)
        # Nobody starts a job in the three weeks before Spring Festival or its first week: they start after it.
        if len(festivals):
            fest = festivals[np.minimum(np.searchsorted(festivals, seek[ids] - 7), len(festivals) - 1)]
            quiet = (seek[ids] >= fest - 21) & (seek[ids] <= fest + 7)
            seek[ids] = np.where(quiet, fest + rng.integers(8, 31, len(ids)), seek[ids])
            late = seek[ids] > today_d
            alive[ids[late]] = False
            ids = ids[~late]
            if not len(ids):
                continue
        t = seek[ids]
        m = len(ids)
        cross = rng.random(m) < P_CROSS_BY_CHANNEL[w_channel[ids]]
        k = 7
        cand = np.full((m, k), -1, dtype=np.int64)
        ci, wi = np.flatnonzero(cross), np.flatnonzero(~cross)
        cw = ids[ci]
        cand[ci, 0:4] = east_all.draw(rng, np.zeros(len(ci), dtype=np.int64), 4)
        cand[ci, 4:6] = east_by_pref.draw(rng, pairings.east_prefecture_of[w_pref[cw]], 2)
        cand[ci, 6:7] = east_by_county.draw(rng, pairings.east_county_of[w_county[cw]], 1)
        ww = ids[wi]
        cand[wi, 0:3] = west_by_county.draw(rng, w_county[ww], 3)
        cand[wi, 3:5] = west_by_pref.draw(rng, w_pref[ww], 2)
        cand[wi, 5:7] = west_all.draw(rng, np.zeros(len(wi), dtype=np.int64), 2)
        valid = cand >= 0
        vc = np.maximum(cand, 0)
        age = ages_on(wk.birth[ids], t)
        eligible = (
            valid
            & (vac.start[vc] <= t[:, None])
            & (t[:, None] <= vac.close[vc] - 14)
            & (age[:, None] >= np.maximum(vac.min_age[vc], 16))
            & (age[:, None] <= v_max_age_eff[vc])
            & (wk.education[ids][:, None] >= vac.education_min[vc])
        )
        gap = (v_mid[vc] - w_expected[ids][:, None]) / w_expected[ids][:, None]
        wish = (wk.wish_mask[ids][:, None] & occ.vac_code_mask[v_code[vc]]) != 0
        skill = (wk.skill_mask[ids][:, None] & occ.vac_code_mask[v_code[vc]]) != 0
        paired = pair_pref[v_pref[vc], w_pref[ids][:, None]] | pair_county[v_county[vc], w_county[ids][:, None]]
        home = v_county[vc] == w_county[ids][:, None]
        same_pref = v_pref[vc] == w_pref[ids][:, None]
        wants_local = (w_channel[ids] == 1)[:, None]
        locality = np.where(
            v_east[vc],
            np.where(paired, 1.5, 1.0),
            np.where(home, np.where(wants_local, 6.0, 3.0), np.where(same_pref, 1.5, np.where(wants_local, 0.1, 0.2))),
        )
        # A job too far to go home at night, with no dormitory, is rarely taken.
        far = haversine_km(
            ref.lon[w_county[ids]][:, None],
            ref.lat[w_county[ids]][:, None],
            ref.lon[v_county[vc]],
            ref.lat[v_county[vc]],
        )
        locality = locality * np.where((far > model.FAR_KM) & ~v_housing[vc], 0.25, 1.0)
        weight = (
            np.sqrt(vac.headcount_draw[vc])
            * np.exp(1.0 * wish + 0.5 * skill + 2.0 * np.clip(gap, -0.4, 0.3))
            * locality
            * eligible
        )
        col = _pick_rows(rng, weight, decline=DECLINE_WEIGHT)
        ok = col >= 0
        # No suitable job this time: look again in one to three months, give up after four misses.
        miss = ids[~ok]
        fails[miss] += 1
        seek[miss] += rng.integers(30, 91, len(miss))
        alive[miss] = (fails[miss] < 4) & (seek[miss] <= today_d)
        ids, t, age = ids[ok], t[ok], age[ok]
        v = cand[ok, col[ok]]
        if not len(ids):
            continue
        m = len(ids)
        east = v_east[v]
        km = haversine_km(ref.lon[w_county[ids]], ref.lat[w_county[ids]], ref.lon[v_county[v]], ref.lat[v_county[v]])
        km = np.maximum(km, rng.uniform(3, 30, m))  # within a county: the trip from the village
        paired_pref = pair_pref[v_pref[v], w_pref[ids]]
        paired_county = pair_county[v_county[v], w_county[ids]]
        trained = rng.random(m) < 0.10 + 0.20 * paired_pref + 0.05 * ~east
        referred = rng.random(m) < np.where(east, 0.28, 0.06)
        local_agency = agencies_by_pref.draw(rng, w_pref[ids], 1)[:, 0]
        any_agency = rng.integers(0, n_agencies, m)
        agency = np.where((local_agency >= 0) & (rng.random(m) < 0.7), local_agency, any_agency)
        referrer = np.where(referred, agencies.org[agency], -1)
        x = model.SpellFeatures(
            start=t,
            km=km,
            wage_gap=(v_mid[v] - w_expected[ids]) / w_expected[ids],
            housing=v_housing[v],
            meals=vac.meals[v],
            shift=vac.shift[v],
            manufacturing=vac.manufacturing[v],
            trained=trained,
            paired_prefecture=paired_pref,
            paired_county=paired_county,
            dependants=wk.dependants[ids],
            monitored=wk.monitored[ids],
            prior_early_exit=prior_early[ids],
            skill_match=(wk.skill_mask[ids] & occ.vac_code_mask[v_code[v]]) != 0,
            wish_match=(wk.wish_mask[ids] & occ.vac_code_mask[v_code[v]]) != 0,
            age=age,
            referred=referred,
            worker_frailty=wk.frailty[ids],
            employer_quality=employers.quality[vac.employer_index[v]],
            contract_days=np.round(vac.contract_months[v] * 30.44).astype(np.int64),
            close_day=vac.close[v],
        )
        tau, reason, festival = model.draw_spells(rng, x, festivals)
        end = t + tau
        running = end > today_d
        rounds.append(
            (ids, v, t, np.where(running, -1, end), np.where(running, -1, reason), referrer, trained, paired_pref)
        )
        prior_early[ids] |= ~running & (tau < 90)
        alive[ids] = False
        fails[ids] = 0
        # After a job ends: most look again; family ties, injury and a festival at home keep some back.
        stay_home = (
            0.15
            + 0.10 * wk.monitored[ids]
            + 0.04 * np.minimum(wk.dependants[ids], 3)
            + 0.15 * festival
            + 0.30 * (reason == model.REASON["injury"])
            + 0.10 * (age >= 50)
        )
        again = ~running & (rng.random(m) >= stay_home)
        pause = np.where(
            festival,
            rng.integers(20, 76, m),
            5
            + rng.exponential(35, m).astype(np.int64)
            + np.where(np.isin(reason, SETBACKS), rng.exponential(40, m), 0).astype(np.int64),
        )
        seek[ids] = end + pause
        alive[ids] = again & (seek[ids] <= today_d)

    cols = [np.concatenate([r[i] for r in rounds]) if rounds else np.zeros(0, np.int64) for i in range(8)]
    p_worker, p_vacancy, p_start, p_end, p_reason, p_referrer, p_trained, p_paired = cols
    order = np.lexsort((p_worker, p_start))
    return Placements(
        worker=p_worker[order],
        vacancy=p_vacancy[order],
        start=p_start[order],
        end=p_end[order],
        reason=p_reason[order].astype(np.int64),
        referrer=p_referrer[order].astype(np.int64),
        trained=p_trained[order].astype(bool),
        paired=p_paired[order].astype(bool),
    )


def headcount(rng: np.random.Generator, vac: Vacancies, p: Placements) -> np.ndarray:
    """Each vacancy's headcount: its draw, raised to cover the most workers it ever held at once, with slack."""
    peak = peak_concurrency(p.vacancy, p.start, np.where(p.end >= 0, p.end, NEVER), len(vac.county))
    slack = rng.uniform(1.0, 1.6, len(vac.county))
    return np.maximum(np.maximum(vac.headcount_draw, np.ceil(peak * slack).astype(np.int64)), 1)


def peak_concurrency(vacancy: np.ndarray, start: np.ndarray, end: np.ndarray, n_vac: int) -> np.ndarray:
    """Most placements any vacancy held at once; a start on the day another ends counts as overlapping."""
    if not len(vacancy):
        return np.zeros(n_vac, dtype=np.int64)
    vac = np.concatenate([vacancy, vacancy])
    day = np.concatenate([start, end])
    delta = np.concatenate([np.ones(len(start), np.int64), -np.ones(len(end), np.int64)])
    order = np.lexsort((-delta, day, vac))  # within a day, arrivals before departures
    vac, delta = vac[order], delta[order]
    running = np.cumsum(delta)
    first = np.flatnonzero(np.r_[True, vac[1:] != vac[:-1]])
    base = np.repeat(running[first] - delta[first], np.diff(np.r_[first, len(vac)]))
    peak = np.maximum.reduceat(running - base, first)
    out = np.zeros(n_vac, dtype=np.int64)
    out[vac[first]] = peak
    return out


def follow_ups(
    rng: np.random.Generator, start: np.ndarray, end: np.ndarray, reason: np.ndarray, local: np.ndarray, today: int
) -> FollowUps:
    """Scheduled calls at 1, 4 and 12 weeks: 'concern' is likelier in the month before a quit, 'left' after it."""
    n = len(start)
    ended = end >= 0
    parts: list[tuple[np.ndarray, ...]] = []
    already_left = np.zeros(n, dtype=bool)
    for week_day in FOLLOW_UP_DAYS:
        day = start + week_day + rng.integers(-2, 4, n)
        day = np.maximum(day, start + 1)
        after_end = ended & (day > end)
        due = (day <= today) & ~already_left & (rng.random(n) < 0.88)
        already_left |= after_end  # nobody is called again after the call that found them gone
        idx = np.flatnonzero(due)
        ae = after_end[idx]
        soon_quit = ended[idx] & ~ae & (end[idx] - day[idx] <= 30) & QUITS[np.maximum(reason[idx], 0)]
        u = rng.random(len(idx))
        outcome = np.where(
            ae,
            np.where(u < 0.85, 2, 3),
            np.where(
                soon_quit,
                np.where(u < 0.45, 1, np.where(u < 0.55, 3, 0)),
                np.where(u < 0.07, 1, np.where(u < 0.11, 3, 0)),
            ),
        )
        v = rng.random(len(idx))
        contact = np.where(v < np.where(local[idx], 0.30, 0.10), 1, np.where(v < 0.35, 2, 0))
        parts.append((idx, day[idx], contact, outcome, soon_quit))
    f_placement = np.concatenate([p[0] for p in parts])
    f_date = np.concatenate([p[1] for p in parts])
    f_contact = np.concatenate([p[2] for p in parts])
    f_outcome = np.concatenate([p[3] for p in parts])
    before_quit = np.concatenate([p[4] for p in parts])
    order = np.lexsort((f_placement, f_date))
    f_placement, f_date, f_contact, f_outcome = f_placement[order], f_date[order], f_contact[order], f_outcome[order]
    before_quit = before_quit[order]
    f_note = np.full(len(f_placement), -1, dtype=np.int64)
    u = rng.random(len(f_placement))
    ok = f_outcome == 0
    f_note[ok] = np.where(u[ok] < 0.5, NOTE_OFFSET["ok"] + (u[ok] * 2 * len(catalog.NOTES_OK)).astype(np.int64), -1)
    concern = f_outcome == 1
    why = reason[f_placement]
    for r, name in enumerate(END_REASONS):
        options = catalog.NOTES_CONCERN.get(name)
        sel = concern & before_quit & (why == r)
        if options and sel.any():
            f_note[sel] = NOTE_OFFSET[name] + (u[sel] * len(options)).astype(np.int64)
    general = concern & (f_note < 0)
    f_note[general] = NOTE_OFFSET["concern"] + (u[general] * N_CONCERN_NOTES).astype(np.int64)
    for code, key, texts in ((2, "left", catalog.NOTES_LEFT), (3, "unreachable", catalog.NOTES_UNREACHABLE)):
        chosen = f_outcome == code
        f_note[chosen] = NOTE_OFFSET[key] + (u[chosen] * len(texts)).astype(np.int64)
    return FollowUps(placement=f_placement, date=f_date, contact=f_contact, outcome=f_outcome, note=f_note)
