"""app.seed.truth agrees with the generator: its P(lasts 90 days) matches simulated spells of the same pairs."""

from datetime import date

import numpy as np

from app.seed import model, truth
from app.seed.simulate import day_number
from matching.festivals import SPRING_FESTIVALS

PROFILES = {  # a local job before Spring Festival, a far paired job with housing, a far bad one, ...
    "start": np.array(
        [
            day_number(date(2024, 12, 20)),
            day_number(date(2024, 6, 1)),
            day_number(date(2024, 12, 1)),
            day_number(date(2023, 5, 3)),
            day_number(date(2023, 11, 20)),
        ]
    ),  # fmt: skip
    "km": np.array([0.0, 900, 600, 20, 1200]),
    "wage_gap": np.array([-0.2, 0.1, 0.0, 0.3, -0.5]),
    "housing": np.array([0, 1, 0, 1, 0], bool),
    "meals": np.array([1, 0, 1, 0, 1], bool),
    "shift": np.array([0, 1, 2, 0, 2]),
    "manufacturing": np.array([0.0, 1, 1, 0, 0.5]),
    "east": np.array([0, 1, 1, 0, 1], bool),
    "paired_prefecture": np.array([0, 1, 0, 0, 1], bool),
    "paired_county": np.array([0, 1, 0, 0, 0], bool),
    "dependants": np.array([0, 2, 3, 1, 5]),
    "monitored": np.array([0, 1, 0, 1, 0], bool),
    "prior_early_exit": np.array([0, 0, 1, 0, 1], bool),
    "skill_match": np.array([1, 0, 0, 1, 0], bool),
    "wish_match": np.array([0, 1, 0, 1, 0], bool),
    "age": np.array([20, 30, 46, 50, 22]),
}


def test_probability_matches_the_generators_own_spells():
    reps = 30_000
    rng = np.random.default_rng(11)
    exact = truth.lasting_probability(truth.Pairs(**PROFILES))
    rep = {k: np.repeat(v, reps) for k, v in PROFILES.items()}
    n = len(rep["start"])
    east, paired = rep["east"], rep["paired_prefecture"]
    spells = model.SpellFeatures(
        start=rep["start"],
        km=np.maximum(rep["km"], rng.uniform(3, 30, n)),
        wage_gap=rep["wage_gap"],
        housing=rep["housing"],
        meals=rep["meals"],
        shift=rep["shift"],
        manufacturing=rng.random(n) < rep["manufacturing"],
        trained=rng.random(n) < 0.10 + 0.20 * paired + 0.05 * ~east,
        paired_prefecture=paired,
        paired_county=rep["paired_county"],
        dependants=rep["dependants"],
        monitored=rep["monitored"],
        prior_early_exit=rep["prior_early_exit"],
        skill_match=rep["skill_match"],
        wish_match=rep["wish_match"],
        age=rep["age"],
        referred=rng.random(n) < np.where(east, 0.28, 0.06),
        worker_frailty=rng.normal(0, model.WORKER_FRAILTY_SD, n),
        employer_quality=rng.normal(0, model.EMPLOYER_QUALITY_SD, n),
        contract_days=np.zeros(n, np.int64),  # contract ends and closures are the label's censoring
        close_day=np.full(n, 10**7),
    )
    festivals = np.array([day_number(f) for f in SPRING_FESTIVALS])
    tau, _, _ = model.draw_spells(rng, spells, festivals)
    simulated = (tau >= truth.HORIZON).reshape(len(exact), reps).mean(axis=1)
    se = np.sqrt(simulated * (1 - simulated) / reps)
    assert np.all(np.abs(exact - simulated) < 4 * se + 1e-3), (exact, simulated)


def test_generator_occupation_match_rules():
    assert truth.families_match(["6-25-04-07"], "6-00-00-00")  # any factory work fits a 6-00 vacancy
    assert truth.families_match(["6-05-01-03"], "6-05-02-01")
    assert not truth.families_match(["4-03-02-05"], "6-00-00-00")
    assert not truth.families_match([], "6-31-05-00")
