"""The behavioural model behind the demo placements: how long a worker stays, and why they leave.

Competing risks, each in days since the start of the placement (tau) or on the calendar (t):

* A, the everyday quit/dismissal hazard: Weibull with shape k < 1 (the first weeks are the riskiest) and
  proportional effects, h_A(tau) = (k / lam) (tau / lam)^(k - 1) * exp(x.beta + u_worker + u_employer).
* F, Spring Festival: at each festival F during the placement the worker goes home with probability
  p_F = logistic(x.gamma). Half leave in the four weeks before F (homesick, family), half go home for the holiday
  and do not come back (the departure is recorded 8-25 days after F).
* C, contract end: at each multiple of the contract length the contract is not renewed with probability P_C.
* I and D, injury and dispute: constant hazards, injury higher on night shifts and in factories, disputes
  (wage arrears) at the worse employers.
* X, the vacancy closes (workshop stops, order finished): every placement on it ends that day.

The earliest of these is the end of the placement; a placement whose end falls after today is censored.
All coefficients are in the tables below, which seed_data/README.md reproduces (`python -m app.seed.model`).
"""

from dataclasses import dataclass

import numpy as np

from app.placements.schemas import END_REASONS

REASON = {name: i for i, name in enumerate(END_REASONS)}
FAR_KM = 150  # beyond this a worker cannot go home in the evening or at the weekend

# A: Weibull shape and scale (scale calibrated so that ~28 % of cross-region placements end within 90 days).
WEIBULL_SHAPE = 0.6
WEIBULL_SCALE_DAYS = 6000.0
WORKER_FRAILTY_SD = 0.5  # unobserved heterogeneity: the same worker tends to stay, or to leave, everywhere
EMPLOYER_QUALITY_SD = 0.3  # unobserved employer quality (management, real vs promised pay)

# Log hazard ratios of A. (feature, coefficient, what it means)
BETA: dict[str, tuple[float, str]] = {
    "wage_shortfall": (1.6, "per unit of (expected - offered midpoint) / expected, clipped to [-0.3, 0.6]"),
    "log_distance": (0.5, "per unit of ln(1 + km / 100), hukou county to workplace (haversine)"),
    "no_housing_far": (0.35, "no dormitory and more than 150 km from home"),
    "no_meals": (0.05, "no canteen"),
    "two_shift": (0.10, "two shifts (vs day work)"),
    "three_shift": (0.40, "three shifts / nights (vs day work)"),
    "trained": (-0.45, "did a customised training class for this vacancy's occupation (latent)"),
    "paired_prefecture": (-0.25, "worker's prefecture is paired with the employer's prefecture"),
    "paired_county": (-0.10, "additionally, the two counties are paired"),
    "dependants_far": (0.10, "per dependant (up to 3), only when more than 150 km from home"),
    "monitored": (0.20, "household under return-to-poverty monitoring"),
    "prior_early_exit": (0.40, "an earlier placement of this worker ended within 90 days"),
    "skill_match": (-0.20, "the vacancy's occupation family is among the worker's skills"),
    "wish_match": (-0.15, "the vacancy's occupation family is among the worker's desired occupations"),
    "age_under_23": (0.25, "aged under 23 at the start"),
    "age_45_plus": (-0.15, "aged 45 or more at the start"),
    "referred": (0.10, "referred by an agency paid per head (brokers oversell jobs)"),
}

# F: logit of going home at a Spring Festival. (feature, coefficient, what it means)
GAMMA: dict[str, tuple[float, str]] = {
    "intercept": (-3.0, ""),
    "log_distance": (0.7, "per unit of ln(1 + km / 100)"),
    "dependants": (0.25, "per dependant (up to 3)"),
    "monitored": (0.35, "monitored household"),
    "tenure_over_1y": (-0.5, "already worked a year or more there at the festival"),
    "trained": (-0.3, "did the customised training"),
    "paired_prefecture": (-0.3, "paired prefectures (return transport and follow-up organised)"),
    "frailty": (0.5, "times the worker's frailty"),
}
FESTIVAL_BEFORE_SHARE = 0.5
FESTIVAL_BEFORE_DAYS = (3, 28)  # leave 3-28 days before the festival
FESTIVAL_AFTER_DAYS = (8, 25)  # or go home and not come back: recorded 8-25 days after it

P_CONTRACT_NOT_RENEWED = 0.35
INJURY_PER_DAY = 0.00010  # x1.5 on three shifts, x1.3 in manufacturing
DISPUTE_PER_DAY = 0.00004  # x exp(2 x employer quality)

# Which reason an A-event gets: multinomial weights w_r = base_r * exp(terms).
REASON_BASE = {
    "quit_wage": 1.0,
    "quit_conditions": 0.9,
    "quit_homesick": 0.5,
    "quit_family": 0.5,
    "dismissed": 0.45,
    "other": 0.35,
}


@dataclass
class SpellFeatures:
    """One row per placement being simulated."""

    start: np.ndarray  # day number (days since 1970-01-01)
    km: np.ndarray
    wage_gap: np.ndarray  # (offered midpoint - expected) / expected
    housing: np.ndarray
    meals: np.ndarray
    shift: np.ndarray  # 0 day, 1 two_shift, 2 three_shift
    manufacturing: np.ndarray
    trained: np.ndarray
    paired_prefecture: np.ndarray
    paired_county: np.ndarray
    dependants: np.ndarray
    monitored: np.ndarray
    prior_early_exit: np.ndarray
    skill_match: np.ndarray
    wish_match: np.ndarray
    age: np.ndarray
    referred: np.ndarray
    worker_frailty: np.ndarray
    employer_quality: np.ndarray
    contract_days: np.ndarray  # 0 = open-ended
    close_day: np.ndarray  # day the vacancy closes (a large number if it stays open)


def b(name: str) -> float:
    return BETA[name][0]


def g(name: str) -> float:
    return GAMMA[name][0]


def linear_predictor(x: SpellFeatures) -> np.ndarray:
    """x.beta for the A hazard (without the random effects)."""
    far = x.km > FAR_KM
    dep = np.minimum(x.dependants, 3)
    shortfall = np.clip(-x.wage_gap, -0.3, 0.6)
    return (
        b("wage_shortfall") * shortfall
        + b("log_distance") * np.log1p(x.km / 100)
        + b("no_housing_far") * (~x.housing & far)
        + b("no_meals") * ~x.meals
        + b("two_shift") * (x.shift == 1)
        + b("three_shift") * (x.shift == 2)
        + b("trained") * x.trained
        + b("paired_prefecture") * x.paired_prefecture
        + b("paired_county") * x.paired_county
        + b("dependants_far") * dep * far
        + b("monitored") * x.monitored
        + b("prior_early_exit") * x.prior_early_exit
        + b("skill_match") * x.skill_match
        + b("wish_match") * x.wish_match
        + b("age_under_23") * (x.age < 23)
        + b("age_45_plus") * (x.age >= 45)
        + b("referred") * x.referred
    )


def _festival_event(rng: np.random.Generator, x: SpellFeatures, festivals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Days from start to the earliest festival departure (inf if none), and its reason."""
    n = len(x.start)
    best = np.full(n, np.inf)
    reason = np.full(n, REASON["quit_homesick"], dtype=np.int8)
    base = (
        g("intercept")
        + g("log_distance") * np.log1p(x.km / 100)
        + g("dependants") * np.minimum(x.dependants, 3)
        + g("monitored") * x.monitored
        + g("trained") * x.trained
        + g("paired_prefecture") * x.paired_prefecture
        + g("frailty") * x.worker_frailty
    )
    for fest in festivals:
        tenure = fest - x.start
        relevant = tenure > FESTIVAL_BEFORE_DAYS[0]  # was in the job when the festival came
        if not relevant.any():
            continue
        logit = base + g("tenure_over_1y") * (tenure >= 365)
        hit = relevant & (rng.random(n) < 1 / (1 + np.exp(-logit)))
        before = rng.random(n) < FESTIVAL_BEFORE_SHARE
        lo, hi = FESTIVAL_BEFORE_DAYS
        when_before = np.maximum(fest - rng.integers(lo, hi + 1, n) - x.start, 1)
        when_after = fest + rng.integers(FESTIVAL_AFTER_DAYS[0], FESTIVAL_AFTER_DAYS[1] + 1, n) - x.start
        when = np.where(before, when_before, when_after).astype(float)
        take = hit & (when < best)
        best = np.where(take, when, best)
        # Before the festival: homesick or family; after it (did not come back): mostly family.
        u = rng.random(n)
        why = np.where(
            before,
            np.where(u < 0.55, REASON["quit_homesick"], REASON["quit_family"]),
            np.where(u < 0.5, REASON["quit_family"], np.where(u < 0.8, REASON["quit_homesick"], REASON["other"])),
        )
        reason = np.where(take, why, reason).astype(np.int8)
    return best, reason


def _a_reason(rng: np.random.Generator, x: SpellFeatures, tau: np.ndarray) -> np.ndarray:
    """Why an everyday (A) departure happened, given what the placement looked like."""
    far = x.km > FAR_KM
    shortfall = np.clip(-x.wage_gap, -0.3, 0.6)
    weights = np.stack(
        [
            REASON_BASE["quit_wage"] * np.exp(3 * shortfall),
            REASON_BASE["quit_conditions"]
            * np.exp(0.6 * (x.shift == 2) + 0.3 * (x.shift == 1) + 0.6 * (~x.housing & far) + 1.5 * x.employer_quality),
            REASON_BASE["quit_homesick"] * np.exp(0.5 * np.log1p(x.km / 100) - 0.6 + 0.6 * (tau < 60)),
            REASON_BASE["quit_family"] * np.exp(0.3 * np.minimum(x.dependants, 3) + 0.6 * x.monitored),
            REASON_BASE["dismissed"] * np.exp(0.4 * (x.age < 23)),
            REASON_BASE["other"] * np.ones(len(tau)),
        ],
        axis=1,
    )
    codes = np.array([REASON[r] for r in REASON_BASE], dtype=np.int8)
    cum = np.cumsum(weights, axis=1)
    pick = (cum < rng.random(len(tau))[:, None] * cum[:, -1:]).sum(axis=1)
    return codes[np.minimum(pick, len(codes) - 1)]


def draw_spells(
    rng: np.random.Generator, x: SpellFeatures, festivals: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Duration in whole days (>= 1), end reason code, and whether the end came from a festival departure."""
    n = len(x.start)
    risk = np.exp(linear_predictor(x) + x.worker_frailty + x.employer_quality)
    tau_a = WEIBULL_SCALE_DAYS * (rng.exponential(size=n) / risk) ** (1 / WEIBULL_SHAPE)
    tau_f, why_f = _festival_event(rng, x, festivals)
    # Contract end: the first contract boundary at which it is not renewed (geometric number of renewals).
    renewals = rng.geometric(P_CONTRACT_NOT_RENEWED, n)
    tau_c = np.where(x.contract_days > 0, renewals * x.contract_days, np.inf).astype(float)
    injury = INJURY_PER_DAY * np.where(x.shift == 2, 1.5, 1.0) * np.where(x.manufacturing, 1.3, 1.0)
    tau_i = rng.exponential(size=n) / injury
    tau_d = rng.exponential(size=n) / (DISPUTE_PER_DAY * np.exp(2 * x.employer_quality))
    tau_x = np.maximum(x.close_day - x.start, 1).astype(float)
    taus = np.stack([tau_a, tau_f, tau_c, tau_i, tau_d, tau_x], axis=1)
    first = np.argmin(taus, axis=1)
    tau = np.maximum(np.floor(taus[np.arange(n), first]), 1)
    reason = np.select(
        [first == 0, first == 1, first == 2, first == 3, first == 4],
        [
            _a_reason(rng, x, tau),
            why_f,
            REASON["contract_ended"],
            REASON["injury"],
            REASON["dispute"],
        ],
        # The vacancy closed: mostly the end of the job, sometimes recorded as "other".
        np.where(rng.random(n) < 0.7, REASON["contract_ended"], REASON["other"]),
    ).astype(np.int8)
    return tau.astype(np.int64), reason, first == 1


def markdown_tables() -> str:
    """The coefficient tables, as seed_data/README.md shows them."""
    lines = ["| feature (A hazard) | log hazard ratio | hazard ratio | meaning |", "|---|---:|---:|---|"]
    lines += [f"| `{k}` | {v:+.2f} | {np.exp(v):.2f} | {m} |" for k, (v, m) in BETA.items()]
    lines += ["", "| feature (festival logit) | coefficient | meaning |", "|---|---:|---|"]
    lines += [f"| `{k}` | {v:+.2f} | {m} |" for k, (v, m) in GAMMA.items()]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_tables())
