"""Occupation normaliser: free-text Chinese job titles to CSCO 2022 codes, top-k with scores."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy import sparse
from scipy.optimize import minimize_scalar
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import KFold
from sklearn.preprocessing import normalize
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
# Recruitment words that split "company recruits job"; not when they start a recruiter's own title ("高级招聘专员").
_RECRUIT_RE = re.compile(r"(?:招聘|诚招|急招|直招|招募|聘请)(?!专员|主管|顾问|助理|专家|总监|负责人|hr|官)")
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


# CSCO 2022 marks green (L) and digital (S) occupations with a letter after the name ("汽车工程技术人员L"):
# not part of the name, and as a character n-gram it would match any title with a Latin l or s in it.
_MARKER_RE = re.compile(r"(?<=[\u3400-\u9fff])[LS](?:/[LS])?$")


def _aliases(row: pd.Series) -> list[str]:
    names = [row["name"], *str(row.get("alias", "")).split(",")]
    seen: dict[str, None] = {}
    for name in names:
        name = _MARKER_RE.sub("", name.strip())
        if name:
            seen.setdefault(name, None)
    return list(seen)


def _items(X: sparse.csr_matrix, y: np.ndarray) -> dict[str, Any]:
    """Example vectors sorted by class, as plain arrays (so skops can store them), to take the best per class."""
    order = np.argsort(y, kind="stable")
    owners, starts = np.unique(y[order], return_index=True)
    return {"T": sparse.csr_matrix(X[order].T), "owners": owners, "starts": starts}


def _best(items: dict[str, Any], X: sparse.csr_matrix, n_classes: int) -> np.ndarray:
    """Highest cosine between each title and any example of each class (0 for classes without examples)."""
    out = np.zeros((X.shape[0], n_classes), dtype=np.float32)
    if len(items["owners"]):
        sims = (X @ items["T"]).toarray()
        out[:, items["owners"]] = np.maximum.reduceat(sims, items["starts"], axis=1)
    return out


# The views that score every code for a title; the normaliser's logit is their weighted sum.
VIEWS = (
    "svm",  # linear SVM decision value (labelled titles plus down-weighted taxonomy names and aliases)
    "svm_family",  # best SVM value in the code's level-3 family: parents and siblings share evidence
    "alias_profile",  # cosine to all the code's names and aliases together
    "alias_best",  # cosine to the code's closest name or alias
    "title_knn",  # cosine to the closest labelled training title of the code
    "definition",  # cosine to the code's definition and tasks (families: their members' names)
    "log_count",  # log(1 + labelled training titles of the code): how often advertisers use the code
)
# Weights when they are not learned (inner_folds=1): the SVM plus the name/alias similarity.
DEFAULT_WEIGHTS = {"svm": 1.0, "alias_profile": 1.0}
DEFAULT_TEMPERATURE = 0.12
# Values tried for each view's weight (the SVM's is fixed at 1), by coordinate ascent on held-out inner folds.
WEIGHT_GRID = {
    "svm_family": (0.0, 0.25, 0.5),
    "alias_profile": (0.0, 0.5, 1.0, 1.5),
    "alias_best": (0.0, 0.5, 1.0),
    "title_knn": (0.0, 0.5, 1.0, 1.5),
    "definition": (0.0, 0.5, 1.0, 2.0),
    "log_count": (0.0, 0.05, 0.1),
}


class OccupationNormaliser(BaseEstimator):  # type: ignore[misc]
    """Map free-text Chinese job titles to CSCO 2022 occupation codes, top-k with scores.

    Several views score every code for a cleaned title (see ``VIEWS``): a linear SVM over character n-grams
    trained on the labelled titles plus the taxonomy's names and aliases, the best SVM value in the code's
    level-3 family, similarity to the code's names and aliases, to its closest labelled title and to its
    definition and tasks, and how common the code is among labelled titles. Their weights are chosen inside
    the training titles: the views are fitted on part of them (``inner_folds``) and the weights that rank the
    held-out part best (top-1 plus top-5) win; a softmax temperature fitted on the same held-out scores turns
    the weighted sum into scores.

    Parameters
    ----------
    taxonomy : pandas.DataFrame or None, default=None
        CSCO table with columns ``code``, ``name`` and optionally ``alias``, ``definition``, ``tasks`` and
        ``level``. ``None`` reads the copy shipped in ``seed_data/``.
    ngram_range : tuple of int, default=(1, 2)
        Character n-gram sizes (``char_wb``).
    C : float, default=1.0
        Inverse regularisation strength of the linear SVM.
    taxonomy_weight : float, default=0.1
        Sample weight of each taxonomy name or alias relative to a labelled title (low: the labels carry
        conventions, e.g. sales titles coded as marketing professionals, that the taxonomy text does not).
    inner_folds : int, default=3
        Folds of the training titles used to choose the view weights and the temperature. ``1`` skips this
        and uses ``DEFAULT_WEIGHTS`` and ``DEFAULT_TEMPERATURE`` (as do training sets under 100 titles).
    random_state : int or None, default=0
        Seed of the inner folds and the SVM's coordinate descent.
    n_jobs : int or None, default=None
        Threads for the inner folds (joblib convention: ``None`` is 1, ``-1`` all cores). Results do not
        depend on it.

    Attributes
    ----------
    classes_ : ndarray of str
        The codes the normaliser can return, sorted.
    names_ : ndarray of str
        The taxonomy name of each class.
    weights_ : dict of str to float
        Weight of each view in ``VIEWS``.
    temperature_ : float
        Softmax temperature.
    vectorizer_ : TfidfVectorizer
        Fitted character n-gram vectoriser.
    n_features_in_ : int
        Size of the n-gram vocabulary.
    """

    def __init__(
        self,
        taxonomy: pd.DataFrame | None = None,
        ngram_range: tuple[int, int] = (1, 2),
        C: float = 1.0,
        taxonomy_weight: float = 0.1,
        inner_folds: int = 3,
        random_state: int | None = 0,
        n_jobs: int | None = None,
    ) -> None:
        self.taxonomy = taxonomy
        self.ngram_range = ngram_range
        self.C = C
        self.taxonomy_weight = taxonomy_weight
        self.inner_folds = inner_folds
        self.random_state = random_state
        self.n_jobs = n_jobs

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
        if self.C <= 0 or self.taxonomy_weight < 0:
            raise ValueError("C must be positive and taxonomy_weight non-negative")
        if int(self.inner_folds) < 1:
            raise ValueError("inner_folds must be at least 1")
        taxonomy = load_taxonomy() if self.taxonomy is None else self.taxonomy
        missing_cols = {"code", "name"} - set(taxonomy.columns)
        if missing_cols:
            raise ValueError(f"taxonomy lacks column(s) {sorted(missing_cols)}")
        taxonomy = taxonomy.fillna("").astype(str)
        if "level" in taxonomy.columns:  # a code listed twice: keep the deepest row, as migration 0002 does
            taxonomy = taxonomy.sort_values("level", kind="stable", ascending=False)
        taxonomy = taxonomy.drop_duplicates("code").sort_values("code").reset_index(drop=True)
        unknown = sorted(set(codes_arr) - set(taxonomy["code"]))
        if unknown:
            raise ValueError(f"{len(unknown)} code(s) not in the taxonomy, e.g. {unknown[:5]}")

        self.classes_ = taxonomy["code"].to_numpy(dtype=object)
        self.names_ = taxonomy["name"].to_numpy(dtype=object)
        index = {code: i for i, code in enumerate(self.classes_)}
        y = np.array([index[c] for c in codes_arr], dtype=np.int64)
        docs = [clean_title(t) for t in titles_arr]
        self._prepare_taxonomy(taxonomy)

        weights = {view: DEFAULT_WEIGHTS.get(view, 0.0) for view in VIEWS}
        temperature = DEFAULT_TEMPERATURE
        n_folds = int(self.inner_folds)
        if n_folds > 1 and len(docs) >= 100:
            splits = list(KFold(n_folds, shuffle=True, random_state=self.random_state).split(docs))
            # The folds are independent and liblinear releases the GIL: threads share the data without copies.
            held = Parallel(n_jobs=self.n_jobs, prefer="threads")(
                delayed(self._held_out_views)(docs, y, fit_idx, held_idx) for fit_idx, held_idx in splits
            )
            F = np.concatenate(held)
            truth = np.concatenate([y[held_idx] for _, held_idx in splits])
            weights = _choose_weights(F, truth)
            temperature = _fit_temperature(F @ np.array([weights[v] for v in VIEWS], dtype=np.float32), truth)
        self._fit_views(docs, y)
        del self._alias_docs, self._alias_y, self._descriptions  # fitting material only: keep the artefact small
        self.weights_ = weights
        self.temperature_ = temperature
        self._compile()
        return self

    def _held_out_views(self, docs: list[str], y: np.ndarray, fit_idx: np.ndarray, held_idx: np.ndarray) -> np.ndarray:
        """Views of the held-out titles from views fitted on the others (a helper object, so folds can run at once)."""
        helper = OccupationNormaliser(**self.get_params())
        for name in ("classes_", "_alias_docs", "_alias_y", "_descriptions", "family_id_", "family_starts_"):
            setattr(helper, name, getattr(self, name))
        helper._fit_views([docs[i] for i in fit_idx], y[fit_idx])
        return helper._views(helper.vectorizer_.transform([docs[i] for i in held_idx]))

    def _prepare_taxonomy(self, taxonomy: pd.DataFrame) -> None:
        """Alias examples, description texts and families of every code; none depends on the labelled titles."""
        alias_docs: list[str] = []
        alias_y: list[int] = []
        for i, row in taxonomy.iterrows():
            names = [clean_title(n) for n in _aliases(row)]
            alias_docs.extend(names)
            alias_y.extend([int(i)] * len(names))  # type: ignore[call-overload]
        self._alias_docs = alias_docs
        self._alias_y = np.array(alias_y, dtype=np.int64)
        codes = taxonomy["code"]
        descriptions = []
        for _, row in taxonomy.iterrows():
            text = " ".join(_MARKER_RE.sub("", str(row.get(col, ""))) for col in ("name", "definition", "tasks"))
            if not str(row.get("definition", "")).strip():  # a family: describe it by its members' names
                prefix = row["code"].rstrip("0-")
                members = taxonomy.loc[codes.str.startswith(prefix) & (codes != row["code"]), "name"]
                text += " " + " ".join(_MARKER_RE.sub("", m) for m in members.head(60))
            descriptions.append(text)
        self._descriptions = descriptions
        family = pd.factorize(codes.str[:7])[0]
        self.family_id_ = family
        self.family_starts_ = np.flatnonzero(np.r_[True, family[1:] != family[:-1]])

    def _fit_views(self, docs: list[str], y: np.ndarray) -> None:
        """Fit every view on these labelled titles plus the taxonomy (the weights are chosen elsewhere)."""
        n_classes = len(self.classes_)
        vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=self.ngram_range, sublinear_tf=True, dtype=np.float32
        )
        X_all = vectorizer.fit_transform(docs + self._alias_docs)
        X_titles, X_alias = X_all[: len(docs)], X_all[len(docs) :]
        labels = np.r_[y, self._alias_y]
        weight = np.r_[np.ones(len(docs)), np.full(len(self._alias_y), self.taxonomy_weight)]
        coef = np.zeros((n_classes, X_all.shape[1]), dtype=np.float32)
        intercept = np.full(n_classes, -10.0, dtype=np.float32)  # a code without any example: never first
        present = np.unique(labels)
        if len(present) == 1:
            intercept[present] = 1.0
        else:
            svm = LinearSVC(C=self.C, random_state=self.random_state, max_iter=5000)
            svm.fit(X_all, labels, sample_weight=weight)
            w = svm.coef_ if len(present) > 2 else np.vstack([-svm.coef_[0], svm.coef_[0]])
            b = svm.intercept_ if len(present) > 2 else np.r_[-svm.intercept_[0], svm.intercept_[0]]
            coef[svm.classes_] = w
            intercept[svm.classes_] = b
        coef[np.abs(coef) < 1e-3] = 0.0
        self.coef_ = sparse.csr_matrix(coef.T)
        self.intercept_ = intercept
        self.log_count_ = np.log1p(np.bincount(y, minlength=n_classes)).astype(np.float32)
        self.vectorizer_ = vectorizer
        self.titles_ = _items(X_titles, y)
        self.aliases_ = _items(X_alias, self._alias_y)
        owner = sparse.csr_matrix(
            (np.ones(len(self._alias_y), dtype=np.float32), (self._alias_y, np.arange(len(self._alias_y)))),
            shape=(n_classes, len(self._alias_y)),
        )
        self.profiles_ = sparse.csr_matrix(normalize(owner @ X_alias).T)
        self.definitions_ = sparse.csr_matrix(normalize(vectorizer.transform(self._descriptions)).T)
        self.n_features_in_ = X_all.shape[1]

    def _svm_family(self, svm: np.ndarray) -> np.ndarray:
        return np.maximum.reduceat(svm, self.family_starts_, axis=1)[:, self.family_id_]

    def _views(self, X: sparse.csr_matrix) -> np.ndarray:
        """Every view's score of every code, shape (n_titles, n_classes, len(VIEWS)), for choosing weights."""
        svm = (X @ self.coef_).toarray() + self.intercept_
        views = [
            svm,
            self._svm_family(svm),
            (X @ self.profiles_).toarray(),
            _best(self.aliases_, X, len(self.classes_)),
            _best(self.titles_, X, len(self.classes_)),
            (X @ self.definitions_).toarray(),
            np.broadcast_to(self.log_count_, svm.shape),
        ]
        return np.stack(views, axis=2).astype(np.float32)

    def _compile(self) -> None:
        """Fold the linear views into one sparse matrix so that scoring is one product plus the nonzero extras."""
        w = self.weights_
        self.linear_ = sparse.csr_matrix(
            w["svm"] * self.coef_ + w["alias_profile"] * self.profiles_ + w["definition"] * self.definitions_,
            dtype=np.float32,
        )
        self.bias_ = (w["svm"] * self.intercept_ + w["log_count"] * self.log_count_).astype(np.float32)

    def decision_function(self, titles: Sequence[str]) -> np.ndarray:
        """Weighted sum of the views (the logit of each code), one column per class."""
        check_is_fitted(self, "linear_")
        X = self.vectorizer_.transform([clean_title(t) for t in titles])
        w = self.weights_
        z = (X @ self.linear_).toarray() + self.bias_
        if w["svm_family"]:
            z += w["svm_family"] * self._svm_family((X @ self.coef_).toarray() + self.intercept_)
        if w["alias_best"]:
            z += w["alias_best"] * _best(self.aliases_, X, len(self.classes_))
        if w["title_knn"]:
            z += w["title_knn"] * _best(self.titles_, X, len(self.classes_))
        return np.asarray(z, dtype=np.float32)

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
            Probability of each code (softmax over all codes), non-increasing along each row.
        """
        check_is_fitted(self, "linear_")
        if k < 1:
            raise ValueError("k must be at least 1")
        titles = list(titles)
        k = min(k, len(self.classes_))
        if not titles:
            return np.empty((0, k), dtype=object), np.empty((0, k), dtype=np.float64)
        out_codes = []
        out_scores = []
        for start in range(0, len(titles), 1024):  # bounded memory: dense blocks of 1024 titles × codes
            z = self.decision_function(titles[start : start + 1024]) / self.temperature_
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
        check_is_fitted(self, "linear_")
        lookup = dict(zip(self.classes_, self.names_, strict=True))
        return [str(lookup.get(c, "")) for c in codes]


def confident_codes(model: OccupationNormaliser, titles: Iterable[str], min_score: float) -> dict[str, str | None]:
    """Each distinct title's best code when its score reaches `min_score`, else None (too unsure to use)."""
    unique = sorted(set(titles))
    if not unique:
        return {}
    codes, scores = model.predict_topk(unique, k=1)
    return {t: str(c) if s >= min_score else None for t, c, s in zip(unique, codes[:, 0], scores[:, 0], strict=True)}


@lru_cache(maxsize=1)
def default_normaliser() -> OccupationNormaliser:
    """The normaliser the product uses (default parameters, shipped labelled titles), fitted once per process."""
    labelled = load_labelled()
    return OccupationNormaliser(n_jobs=-1).fit(labelled["title"], labelled["code"])


def _ranking_score(z: np.ndarray, truth: np.ndarray) -> float:
    """Top-1 plus top-5 hits of the true code under logits `z` (ties count against the truth)."""
    true_z = z[np.arange(len(truth)), truth]
    better = (z > true_z[:, None]).sum(axis=1) + (z == true_z[:, None]).sum(axis=1) - 1
    return float(np.sum(better < 1) + np.sum(better < 5))


def _choose_weights(F: np.ndarray, truth: np.ndarray, passes: int = 2) -> dict[str, float]:
    """Coordinate ascent over WEIGHT_GRID on held-out view scores; the SVM's weight stays 1."""
    weights = {view: DEFAULT_WEIGHTS.get(view, 0.0) for view in VIEWS}
    vec = np.array([weights[v] for v in VIEWS], dtype=np.float32)
    best = _ranking_score(F @ vec, truth)
    for _ in range(passes):
        changed = False
        for view, grid in WEIGHT_GRID.items():
            j = VIEWS.index(view)
            for value in grid:
                if value == vec[j]:
                    continue
                trial = vec.copy()
                trial[j] = value
                score = _ranking_score(F @ trial, truth)
                if score > best:
                    best, vec, changed = score, trial, True
        if not changed:
            break
    return {view: float(vec[i]) for i, view in enumerate(VIEWS)}


def _fit_temperature(z: np.ndarray, truth: np.ndarray) -> float:
    """Softmax temperature that maximises the likelihood of the held-out codes (so scores mean something)."""
    rows = np.arange(len(truth))

    def nll(log_t: float) -> float:
        s = z / np.exp(log_t)
        m = s.max(axis=1)
        return float(np.mean(np.log(np.exp(s - m[:, None]).sum(axis=1)) + m - s[rows, truth]))

    result = minimize_scalar(nll, bounds=(np.log(0.01), np.log(2.0)), method="bounded")
    return float(np.exp(result.x))
