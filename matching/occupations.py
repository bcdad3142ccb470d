"""Occupation normaliser: free-text Chinese job titles to CSCO 2022 codes, top-k with scores."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

TAXONOMY_CSV = Path(__file__).resolve().parents[1] / "seed_data" / "csco2022_occupations.csv"
LABELLED_CSV = Path(__file__).resolve().parents[1] / "seed_data" / "job_titles_labelled.csv"

# Words that advertise the job rather than name it: they only add noise to the character n-grams.
_NOISE_WORDS = (
    "五险一金|六险一金|五险|社保|包吃包住|包吃住|包住|包吃|管吃住|提供住宿|双休|单休|大小周|做一休一|"
    "急聘|急招|诚聘|诚招|直招|高薪|底薪|提成|无责|保底|日结|周结|月结|可预支|预支|长期|短期|"
    "不限经验|无经验|零经验|经验不限|可兼职|带薪培训|包培训|有培训|月入|月薪|年薪|日薪|薪资|工资|"
    "入职即缴|上不封顶|轻松|稳定|大量|若干|名额"
)
_NOISE_RE = re.compile(_NOISE_WORDS)
_SALARY_RE = re.compile(
    r"\d+(?:\.\d+)?\s*(?:[-~到至]\s*\d+(?:\.\d+)?)?\s*(?:k|w|万|千|元|块|/天|/月|/小时|一天|每天|天|起|以上|\+)+"
)
_REF_RE = re.compile(r"[a-z]{0,4}\d{3,}[a-z0-9]*")  # advert reference numbers such as J12355 or MJ001141
_BRACKETS_RE = re.compile(r"[（(【\[［〔<《][^）)】\]］〕>》]*[）)】\]］〕>》]")
_RECRUIT_RE = re.compile(r"招聘|诚招|急招|直招|招募|聘请")
_KEEP_RE = re.compile(r"[^0-9a-z\u3400-\u9fff]+")


def clean_title(title: object) -> str:
    """Reduce a job-ad title to the words that name the job, so n-grams are not spent on ads and salaries."""
    text = unicodedata.normalize("NFKC", str(title) if title is not None else "").lower()
    text = _BRACKETS_RE.sub(" ", text)
    # "某某公司招聘店员": what follows the last recruitment word is the job, unless nothing does.
    parts = [p for p in _RECRUIT_RE.split(text) if p.strip()]
    if len(parts) > 1 and len(_KEEP_RE.sub("", parts[-1])) >= 2:
        text = parts[-1]
    text = text.replace("...", " ").replace("…", " ")
    text = _SALARY_RE.sub(" ", text)
    text = _REF_RE.sub(" ", text)
    text = _NOISE_RE.sub(" ", text)
    text = _KEEP_RE.sub(" ", text)
    text = " ".join(text.split())
    if not text:  # everything was noise: fall back to the plain characters rather than an empty string
        text = " ".join(_KEEP_RE.sub(" ", unicodedata.normalize("NFKC", str(title)).lower()).split())
    return text


def load_taxonomy(path: str | Path = TAXONOMY_CSV) -> pd.DataFrame:
    """Read the CSCO 2022 table shipped in seed_data/ with codes kept as strings."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def load_labelled(path: str | Path = LABELLED_CSV) -> pd.DataFrame:
    """Read a `title,code` CSV (the shipped labelled titles by default)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = {"title", "code"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path}: missing column(s) {sorted(missing)}")
    return frame


def _aliases(row: pd.Series) -> list[str]:
    names = [row["name"], *str(row.get("alias", "")).split(",")]
    seen: dict[str, None] = {}
    for name in names:
        name = name.strip()
        if name:
            seen.setdefault(name, None)
    return list(seen)


class OccupationNormaliser(BaseEstimator):  # type: ignore[misc]
    """Map free-text Chinese job titles to CSCO 2022 occupation codes, top-k with scores.

    Character n-gram TF-IDF of cleaned titles feeds a linear SVM trained on the labelled titles plus the
    taxonomy's names and aliases as extra examples; its decision values are blended with the cosine
    similarity to each code's taxonomy text (which also covers codes without any labelled example) and
    turned into scores by a softmax.

    Parameters
    ----------
    taxonomy : pandas.DataFrame or None, default=None
        CSCO table with columns ``code``, ``name``, ``alias`` and ``definition``. ``None`` reads the copy
        shipped in ``seed_data/``.
    ngram_range : tuple of int, default=(1, 2)
        Character n-gram sizes (``char_wb``).
    C : float, default=1.0
        Inverse regularisation strength of the linear SVM.
    taxonomy_weight : float, default=0.1
        Sample weight of each taxonomy name or alias relative to a labelled title (low: the labels carry
        conventions, e.g. sales titles coded as marketing professionals, that the taxonomy text does not).
    similarity_weight : float, default=1.0
        Weight of the taxonomy cosine similarity added to the SVM decision value.
    temperature : float, default=0.12
        Softmax temperature that turns the blended values into scores; chosen so that, on held-out titles,
        the mean top-1 score is close to top-1 accuracy.
    random_state : int, RandomState instance or None, default=0
        Seed of the SVM's coordinate descent.

    Attributes
    ----------
    classes_ : ndarray of str
        The codes the normaliser can return.
    names_ : ndarray of str
        The taxonomy name of each class.
    vectorizer_ : TfidfVectorizer
        Fitted character n-gram vectoriser.
    coef_ : scipy.sparse.csr_matrix of shape (n_features, n_classes)
        SVM weights (small ones dropped to keep memory down).
    intercept_ : ndarray of shape (n_classes,)
    profiles_ : scipy.sparse.csr_matrix of shape (n_features, n_classes)
        Unit-length TF-IDF of each code's taxonomy text.
    n_features_in_ : int
        Size of the n-gram vocabulary.
    """

    def __init__(
        self,
        taxonomy: pd.DataFrame | None = None,
        ngram_range: tuple[int, int] = (1, 2),
        C: float = 1.0,
        taxonomy_weight: float = 0.1,
        similarity_weight: float = 1.0,
        temperature: float = 0.12,
        random_state: Any = 0,
    ) -> None:
        self.taxonomy = taxonomy
        self.ngram_range = ngram_range
        self.C = C
        self.taxonomy_weight = taxonomy_weight
        self.similarity_weight = similarity_weight
        self.temperature = temperature
        self.random_state = random_state

    def fit(self, titles: Iterable[str], codes: Iterable[str]) -> OccupationNormaliser:
        """Learn from labelled titles plus the taxonomy text.

        Parameters
        ----------
        titles : iterable of str
            Job titles as written.
        codes : iterable of str
            CSCO 2022 code of each title; every code must exist in the taxonomy.

        Returns
        -------
        self : OccupationNormaliser
        """
        titles_arr = np.asarray(list(titles), dtype=object)
        codes_arr = np.asarray([str(c).strip() for c in codes], dtype=object)
        if titles_arr.ndim != 1 or titles_arr.shape != codes_arr.shape:
            raise ValueError("titles and codes must be one-dimensional and of the same length")
        if self.temperature <= 0 or self.C <= 0:
            raise ValueError("temperature and C must be positive")
        taxonomy = load_taxonomy() if self.taxonomy is None else self.taxonomy
        missing_cols = {"code", "name"} - set(taxonomy.columns)
        if missing_cols:
            raise ValueError(f"taxonomy lacks column(s) {sorted(missing_cols)}")
        taxonomy = taxonomy.drop_duplicates("code").reset_index(drop=True).fillna("")
        unknown = sorted(set(codes_arr) - set(taxonomy["code"]))
        if unknown:
            raise ValueError(f"{len(unknown)} code(s) not in the taxonomy, e.g. {unknown[:5]}")

        self.classes_ = taxonomy["code"].to_numpy(dtype=object)
        self.names_ = taxonomy["name"].to_numpy(dtype=object)
        index = {code: i for i, code in enumerate(self.classes_)}

        # Taxonomy names and aliases are extra training titles and, joined, each code's similarity profile.
        tax_docs: list[str] = []
        tax_y: list[int] = []
        profile_docs: list[str] = []
        for i, row in taxonomy.iterrows():
            names = [clean_title(n) for n in _aliases(row)]
            tax_docs.extend(names)
            tax_y.extend([int(i)] * len(names))  # type: ignore[call-overload]
            profile_docs.append(" ".join(names))
        docs = [clean_title(t) for t in titles_arr] + tax_docs
        y = np.array([index[c] for c in codes_arr] + tax_y)
        weight = np.r_[np.ones(len(titles_arr)), np.full(len(tax_docs), self.taxonomy_weight)]

        self.vectorizer_ = TfidfVectorizer(
            analyzer="char_wb", ngram_range=self.ngram_range, sublinear_tf=True, dtype=np.float32
        )
        X = self.vectorizer_.fit_transform(docs)
        svm = LinearSVC(C=self.C, random_state=self.random_state, max_iter=5000)
        svm.fit(X, y, sample_weight=weight)
        coef = np.zeros((len(self.classes_), X.shape[1]), dtype=np.float32)
        coef[svm.classes_] = svm.coef_
        coef[np.abs(coef) < 1e-3] = 0.0
        self.coef_ = sparse.csr_matrix(coef.T)
        intercept = np.full(len(self.classes_), -1e3, dtype=np.float32)
        intercept[svm.classes_] = svm.intercept_
        self.intercept_ = intercept

        P = self.vectorizer_.transform(profile_docs)
        self.profiles_ = sparse.csr_matrix(P.T)
        self.n_features_in_ = X.shape[1]
        return self

    def decision_function(self, titles: Sequence[str]) -> np.ndarray:
        """Blended SVM decision plus taxonomy similarity, one column per class."""
        check_is_fitted(self, "coef_")
        X = self.vectorizer_.transform([clean_title(t) for t in titles])
        svm = np.asarray((X @ self.coef_).todense()) + self.intercept_
        sim = np.asarray((X @ self.profiles_).todense())
        return np.asarray(svm + self.similarity_weight * sim, dtype=np.float32)

    def predict_topk(self, titles: Sequence[str], k: int = 5) -> tuple[np.ndarray, np.ndarray]:
        """Best `k` codes per title, best first, with softmax scores.

        Parameters
        ----------
        titles : sequence of str
        k : int, default=5

        Returns
        -------
        codes : ndarray of str, shape (n_titles, k)
        scores : ndarray of float, shape (n_titles, k)
            Softmax of the blended decision values over all classes, non-increasing along each row.
        """
        check_is_fitted(self, "coef_")
        if k < 1:
            raise ValueError("k must be at least 1")
        titles = list(titles)
        k = min(k, len(self.classes_))
        if not titles:
            return np.empty((0, k), dtype=object), np.empty((0, k), dtype=np.float64)
        out_codes = []
        out_scores = []
        for start in range(0, len(titles), 2048):  # bounded memory: dense blocks of 2048 × n_classes
            z = self.decision_function(titles[start : start + 2048]) / self.temperature
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            top = np.argpartition(-p, k - 1, axis=1)[:, :k]
            order = np.argsort(-np.take_along_axis(p, top, axis=1), axis=1, kind="stable")
            top = np.take_along_axis(top, order, axis=1)
            out_codes.append(self.classes_[top])
            out_scores.append(np.take_along_axis(p, top, axis=1).astype(np.float64))
        return np.vstack(out_codes), np.vstack(out_scores)

    def predict(self, titles: Sequence[str]) -> np.ndarray:
        """Best code per title."""
        return self.predict_topk(titles, k=1)[0][:, 0]

    def name_of(self, codes: Iterable[str]) -> list[str]:
        """Taxonomy names for codes, for output files a person reads."""
        check_is_fitted(self, "coef_")
        lookup = dict(zip(self.classes_, self.names_, strict=True))
        return [str(lookup.get(c, "")) for c in codes]
