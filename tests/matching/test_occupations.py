"""The occupation normaliser: estimator contract, obvious titles, held-out accuracy, the CLI, and the layering rule."""

import csv
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import train_test_split

from app.cli import main
from matching.evaluate import holdout_evaluate, topk_metrics
from matching.occupations import OccupationNormaliser, clean_title, load_labelled, load_taxonomy

MATCHING_DIR = Path(__file__).resolve().parents[2] / "matching"


@pytest.fixture(scope="module")
def labelled() -> pd.DataFrame:
    return load_labelled()


@pytest.fixture(scope="module")
def model(labelled: pd.DataFrame) -> OccupationNormaliser:
    return OccupationNormaliser().fit(labelled["title"], labelled["code"])


def small_taxonomy() -> pd.DataFrame:
    taxonomy = load_taxonomy()
    return taxonomy[taxonomy["code"].str.startswith("4-0")]


class TestContract:
    def test_unfitted_raises(self) -> None:
        with pytest.raises(NotFittedError):
            OccupationNormaliser().predict_topk(["保安"])

    def test_init_only_stores_params(self) -> None:
        est = OccupationNormaliser(C=2.0, random_state=3)
        assert est.get_params()["C"] == 2.0 and est.get_params()["random_state"] == 3
        assert not [name for name in vars(est) if name.endswith("_")]

    def test_fit_returns_self_and_is_deterministic(self, labelled: pd.DataFrame) -> None:
        rows = labelled[labelled["code"].str.startswith("4-0")].head(300)
        first = OccupationNormaliser(taxonomy=small_taxonomy(), random_state=7)
        assert first.fit(rows["title"], rows["code"]) is first
        second = OccupationNormaliser(taxonomy=small_taxonomy(), random_state=7).fit(rows["title"], rows["code"])
        titles = ["保安", "收银员", "快递员"]
        (c1, s1), (c2, s2) = first.predict_topk(titles, 3), second.predict_topk(titles, 3)
        assert (c1 == c2).all() and np.allclose(s1, s2)

    def test_fit_rejects_unknown_codes_and_mismatched_lengths(self) -> None:
        with pytest.raises(ValueError, match="not in the taxonomy"):
            OccupationNormaliser(taxonomy=small_taxonomy()).fit(["保安"], ["9-99-99-99"])
        with pytest.raises(ValueError, match="same length"):
            OccupationNormaliser(taxonomy=small_taxonomy()).fit(["保安", "厨师"], ["4-07-05-01"])


class TestPredict:
    def test_topk_shape_order_and_scores(self, model: OccupationNormaliser) -> None:
        codes, scores = model.predict_topk(["保安", "餐厅服务员", "x"], k=5)
        assert codes.shape == scores.shape == (3, 5)
        assert (np.diff(scores, axis=1) <= 1e-12).all()
        assert ((scores >= 0) & (scores <= 1)).all() and (scores.sum(axis=1) <= 1 + 1e-9).all()
        assert set(codes.ravel()) <= set(model.classes_)
        assert all(len(set(row)) == 5 for row in codes)

    def test_empty_input(self, model: OccupationNormaliser) -> None:
        codes, scores = model.predict_topk([], k=3)
        assert codes.shape == scores.shape == (0, 3)

    @pytest.mark.parametrize(
        ("title", "prefix"),
        [
            ("电子厂普工", "6-"),
            ("保安", "4-07-05-01"),
            ("某某物业招聘保安（包吃住）", "4-07-05-01"),
            ("店员/营业员", "4-01-"),
            ("中式厨师", "4-03-02-01"),
            ("快递员日结", "4-02-07-08"),
        ],
    )
    def test_obvious_titles(self, model: OccupationNormaliser, title: str, prefix: str) -> None:
        assert str(model.predict([title])[0]).startswith(prefix)

    def test_cleaning_drops_company_salary_and_perks(self) -> None:
        assert clean_title("百胜餐饮（广东）招聘店员/营业员") == "店员 营业员"
        assert clean_title("早晚班店员6-8k+五险餐补") == "早晚班店员 餐补"
        assert clean_title("招聘专员(J10728)") == "招聘专员"

    def test_held_out_top5(self, labelled: pd.DataFrame) -> None:
        train, test = train_test_split(labelled, test_size=0.2, random_state=0)
        figures = holdout_evaluate(OccupationNormaliser(), train, test)
        assert figures["n"] == len(test)
        assert figures["top5"] >= 0.80, figures

    def test_topk_metrics(self) -> None:
        predicted = np.array([["4-07-05-01", "a", "b", "c", "d"], ["a", "4-03-02-05", "b", "c", "d"]], dtype=object)
        figures = topk_metrics(["4-07-05-01", "4-03-02-01"], predicted)
        assert figures == {"top1": 0.5, "top5": 0.5, "level3_top1": 0.5}


class TestCli:
    def test_classify_round_trip(self, tmp_path: Path) -> None:
        source, target = tmp_path / "in.csv", tmp_path / "out.csv"
        pd.DataFrame({"title": ["保安", "电子厂普工", "收银员"], "other": [1, 2, 3]}).to_csv(source, index=False)
        assert main(["occupations", "classify", "--input", str(source), "--output", str(target), "--top", "3"]) == 0
        with target.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert list(rows[0]) == ["title", "rank", "code", "name", "score"]
        assert len(rows) == 9
        assert [r["rank"] for r in rows[:3]] == ["1", "2", "3"]
        assert rows[0]["title"] == "保安" and rows[0]["code"] == "4-07-05-01" and rows[0]["name"] == "保安员"

    def test_evaluate_prints_one_json_line(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        source = tmp_path / "gold.csv"
        gold = {"title": ["保安", "收银员", "餐厅服务员"], "code": ["4-07-05-01", "4-01-02-04", "4-03-02-05"]}
        pd.DataFrame(gold).to_csv(source, index=False)
        assert main(["occupations", "evaluate", "--input", str(source)]) == 0
        lines = capsys.readouterr().out.strip().splitlines()
        assert len(lines) == 1
        figures = json.loads(lines[0])
        assert {"n", "top1", "top5", "level3_top1"} <= set(figures)
        assert figures["n"] == 3 and figures["method"] == "holdout"


def test_matching_never_imports_app() -> None:
    pattern = re.compile(r"^\s*(from|import)\s+(app|sqlalchemy)\b", re.MULTILINE)
    offenders = [p.name for p in MATCHING_DIR.rglob("*.py") if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
