"""Training as a departure-model input: read from the rows, and its effect reported by `evaluate --from-db`."""

from datetime import date

import numpy as np
from sqlalchemy import select

from app.departure import service
from app.models import Placement, Vacancy
from app.seed.generator import SeedConfig, seed_database
from app.training.models import Enrolment, TrainingClass, TrainingDemand


def test_training_before_the_start_is_an_input_and_its_effect_is_reported(db, settings):
    # A fixed day: the seeded world, and so the fitted model, is the same on every day the suite runs.
    seed_database(settings.database_url, settings.pii_key, SeedConfig(1500, 300, 3, seed=5, today=date(2026, 6, 30)))
    with db.session(write=False) as s:
        inputs = service.load_inputs(s)
        classes = {c.id: c for c in s.scalars(select(TrainingClass))}
        demands = {d.id: d for d in s.scalars(select(TrainingDemand))}
        vacancies = {v.id: v for v in s.scalars(select(Vacancy))}
        completed: dict[int, list[TrainingClass]] = {}
        for e in s.scalars(select(Enrolment).where(Enrolment.status == "completed")):
            completed.setdefault(e.worker_id, []).append(classes[e.class_id])
        placements = list(s.scalars(select(Placement)))
    static = inputs.static
    for p in placements:
        vacancy, before = (
            vacancies[p.vacancy_id],
            [c for c in completed.get(p.worker_id, []) if c.end_date < p.start_date],
        )
        occupation = any(c.occupation_code == vacancy.occupation_code for c in before)
        employer = any(
            c.demand_id is not None and demands[c.demand_id].employer_org_id == vacancy.employer_org_id for c in before
        )
        assert (static.at[p.id, "trained_occupation"], static.at[p.id, "trained_employer"]) == (occupation, employer)
        assert p.training_enrolment_id is None or occupation
    assert static["trained_occupation"].sum() > 100 and static["trained_employer"].sum() > 50

    with db.session(write=False) as s:
        figures = service.evaluate_from_db(s, on=date(2026, 6, 30))
    for name in ("trained_occupation", "trained_employer"):
        effect = figures["training"][name]
        assert effect["test_placements_trained"] > 0
        assert all(0 <= effect[k] <= 1 for k in effect if k != "test_placements_trained")
    # The demo's behavioural model lowers the hazard of a worker trained for the job's occupation; a model that
    # reads the rows learns it. (An order class for the employer is nearly always one for the occupation too, so
    # that input's own effect, the other held fixed, is small and either way.)
    effect = figures["training"]["trained_occupation"]
    assert effect["mean_risk_90_trained"] < effect["mean_risk_90_untrained"]
    assert effect["left_90_share_trained"] < effect["left_90_share_untrained"]
    assert np.isfinite(figures["model"]["c_index"])
