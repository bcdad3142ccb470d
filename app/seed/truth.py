"""The generator's own answer to "will this placement last 90 days?", for judging the matcher on demo data.

`lasting_probability` integrates every risk of `app.seed.model` that the ranker's label counts as a failure
(the everyday quit/dismissal hazard A, Spring Festival F, injury I, dispute D) over what the database does not
record: the worker's frailty and the employer's quality (Gauss-Hermite quadrature, deterministic), whether a
customised training was done and whether an agency referred the worker (Bernoulli, at the generator's rates),
and the village-to-town distance of a job in the home county. Contract ends and vacancy closures are the
label's censoring, not failures, so they are left out (a contract lasts at least 91 days in the generator;
only closures end a placement as `contract_ended` before day 90).

Only the evaluation imports this module; the ranker never may (it would be learning from the answer sheet).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from app.seed import catalog, model
from app.seed.simulate import day_number
from matching.festivals import SPRING_FESTIVALS

HORIZON = 90
# Organisations every seeded database has (app.seed.simulate creates them): how the evaluation recognises one.
DEMO_ORGS = ("广西壮族自治区东西部劳务协作办公室", "广东省东西部劳务协作办公室", "柳州市东西部劳务协作技工学校")
FRAILTY_NODES = 8  # Gauss-Hermite: within 1e-7 of 12 x 8 nodes on random pairs
QUALITY_NODES = 5
# A job in the worker's own county is 3-30 km from the village (simulate.py draws it uniformly).
VILLAGE_KM = 3 + 27 * (np.arange(4) + 0.5) / 4


def _normal_nodes(n: int, sd: float) -> tuple[np.ndarray, np.ndarray]:
    x, w = np.polynomial.hermite_e.hermegauss(n)
    return sd * x, w / w.sum()


def manufacturing_share(code: str) -> float:
    """Share of the generator's vacancies with this code that sit in a manufacturing industry (injury x1.3)."""
    total = manu = 0.0
    for industry, weight in catalog.EAST_INDUSTRIES + catalog.WEST_INDUSTRIES:
        w = weight * industry.codes.get(code, 0)
        total += w
        manu += w * industry.manufacturing
    return manu / total if total else 0.0


def families_match(worker_codes: list[str], vacancy_code: str) -> bool:
    """The generator's occupation match: same level-2 family, and a 6-00 vacancy (any factory work) fits any 6-."""
    if vacancy_code.startswith("6-00"):
        return any(c.startswith("6-") for c in worker_codes)
    return any(c[:4] == vacancy_code[:4] for c in worker_codes)


@dataclass
class Pairs:
    """One row per (worker on a start day, vacancy): the observable inputs of the generator's hazards."""

    start: np.ndarray  # day number (days since 1970-01-01)
    km: np.ndarray  # county to county, haversine (0 within the county)
    wage_gap: np.ndarray  # (offered midpoint - expected) / expected
    housing: np.ndarray
    meals: np.ndarray
    shift: np.ndarray  # 0 day, 1 two_shift, 2 three_shift
    manufacturing: np.ndarray  # probability, see manufacturing_share
    east: np.ndarray  # the vacancy is in Guangdong (an eastern employer)
    paired_prefecture: np.ndarray
    paired_county: np.ndarray
    dependants: np.ndarray
    monitored: np.ndarray
    prior_early_exit: np.ndarray
    skill_match: np.ndarray
    wish_match: np.ndarray
    age: np.ndarray


def _festival_exit_share(start: np.ndarray) -> np.ndarray:
    """P(a festival departure falls before day 90 | the worker goes home at that festival)."""
    festivals = np.array([day_number(f) for f in SPRING_FESTIVALS])
    # The first festival the worker is in the job for (tenure > 3 days); a later one is a year away.
    idx = np.searchsorted(festivals, start + model.FESTIVAL_BEFORE_DAYS[0], side="right")
    ahead = np.where(idx < len(festivals), festivals[np.minimum(idx, len(festivals) - 1)] - start, 10**6)
    lo, hi = model.FESTIVAL_BEFORE_DAYS
    before = (ahead[:, None] - np.arange(lo, hi + 1)[None, :] < HORIZON).mean(axis=1)
    lo, hi = model.FESTIVAL_AFTER_DAYS
    after = (ahead[:, None] + np.arange(lo, hi + 1)[None, :] < HORIZON).mean(axis=1)
    share = model.FESTIVAL_BEFORE_SHARE
    return share * before + (1 - share) * after


def lasting_probability(p: Pairs) -> np.ndarray:
    """True P(no quit, dismissal, festival departure, injury or dispute before day 90) for each pair."""
    if len(p.start) == 0:
        return np.zeros(0)
    out = _survival(p, p.km)
    # A job in the home county (or next door) is 3-30 km from the village: average over that distance.
    near = np.flatnonzero(p.km < VILLAGE_KM.max())
    if len(near):
        sub = Pairs(**{f.name: getattr(p, f.name)[near] for f in fields(Pairs)})
        out[near] = np.mean([_survival(sub, np.maximum(sub.km, km)) for km in VILLAGE_KM], axis=0)
    return out


def _survival(p: Pairs, km: np.ndarray) -> np.ndarray:
    """The probability for pairs at distance `km`, mixed over latent training and referral and the random effects."""
    n = len(p.start)
    u, wu = _normal_nodes(FRAILTY_NODES, model.WORKER_FRAILTY_SD)
    e, we = _normal_nodes(QUALITY_NODES, model.EMPLOYER_QUALITY_SD)
    q_festival = _festival_exit_share(p.start)
    injury = model.INJURY_PER_DAY * np.where(p.shift == 2, 1.5, 1.0)
    s_injury = p.manufacturing * np.exp(-injury * 1.3 * HORIZON) + (1 - p.manufacturing) * np.exp(-injury * HORIZON)
    s_dispute = np.exp(-model.DISPUTE_PER_DAY * np.exp(2 * e) * HORIZON)  # (E,)
    cum_a = (HORIZON / model.WEIBULL_SCALE_DAYS) ** model.WEIBULL_SHAPE
    effects = np.exp(u)[:, None] * np.exp(e)[None, :]  # (U, E)
    p_trained = 0.10 + 0.20 * p.paired_prefecture + 0.05 * ~p.east
    p_referred = np.where(p.east, 0.28, 0.06)
    x = model.SpellFeatures(
        start=p.start,
        km=km,
        wage_gap=p.wage_gap,
        housing=p.housing,
        meals=p.meals,
        shift=p.shift,
        manufacturing=p.manufacturing > 0.5,
        trained=np.zeros(n, dtype=bool),
        paired_prefecture=p.paired_prefecture,
        paired_county=p.paired_county,
        dependants=p.dependants,
        monitored=p.monitored,
        prior_early_exit=p.prior_early_exit,
        skill_match=p.skill_match,
        wish_match=p.wish_match,
        age=p.age,
        referred=np.zeros(n, dtype=bool),
        worker_frailty=np.zeros(n),
        employer_quality=np.zeros(n),
        contract_days=np.zeros(n, dtype=np.int64),
        close_day=np.zeros(n, dtype=np.int64),
    )
    lp0 = model.linear_predictor(x)
    logit0 = (
        model.g("intercept")
        + model.g("log_distance") * np.log1p(km / 100)
        + model.g("dependants") * np.minimum(p.dependants, 3)
        + model.g("monitored") * p.monitored
        + model.g("paired_prefecture") * p.paired_prefecture
    )
    total = np.zeros(n)
    for trained in (False, True):
        w_t = np.where(trained, p_trained, 1 - p_trained)
        logit = logit0 + model.g("trained") * trained
        # (n, U): festival survival given the worker's frailty, weighted by the frailty nodes.
        go_home = 1 / (1 + np.exp(-(logit[:, None] + model.g("frailty") * u[None, :])))
        s_festival = (1 - go_home * q_festival[:, None]) * wu[None, :]
        for referred in (False, True):
            w_r = np.where(referred, p_referred, 1 - p_referred)
            lp = lp0 + model.b("trained") * trained + model.b("referred") * referred
            # (n, U, E): everyday-hazard survival given frailty and employer quality.
            s_a = np.exp(-cum_a * np.exp(lp)[:, None, None] * effects[None, :, :])
            total += w_t * w_r * np.einsum("nue,nu,e->n", s_a, s_festival, s_dispute * we)
    return total * s_injury
