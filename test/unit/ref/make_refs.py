#!/usr/bin/python3
"""
make_refs.py
    Generate test/unit/ref/logreg_ref.h: small data sets with scikit-learn's
    reference fits and metrics for test_classifier.c and test_protocol.c.

Run with Debian's python3 (python3-sklearn, python3-scipy):
    /usr/bin/python3 test/unit/ref/make_refs.py > test/unit/ref/logreg_ref.h
The unit tests only read the generated header; they never need Python.

Reference protocol: ColumnTransformer of
  continuous -> StandardScaler, then SimpleImputer(mean, add_indicator=True)
  categorical (category indexes as floats, NaN = NULL)
            -> OneHotEncoder(handle_unknown="ignore")
then LogisticRegression(C) with solver newton-cholesky and tol 1e-14: its
gradient is checked here to be below 1e-9.  (lbfgs, the default solver,
stops on scipy's relative objective decrease and lands 1e-6..1e-4 away
from the optimum; the script checks it agrees within 1e-3.)
"""
import sys

import numpy as np
import sklearn
from scipy import stats
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (accuracy_score, balanced_accuracy_score,
                             f1_score, precision_score, recall_score,
                             roc_auc_score)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def fmt(v):
    if np.isnan(v):
        return "NAN"
    return repr(float(v))


def arr(name, ctype, values, per_line=6):
    vals = [fmt(v) if ctype == "double" else str(int(v)) for v in values]
    lines = []
    for i in range(0, len(vals), per_line):
        lines.append("\t" + ", ".join(vals[i:i + per_line]) + ",")
    if not vals:
        lines.append("\t0")
    return "static const %s %s[] = {\n%s\n};\n" % (ctype, name, "\n".join(lines))


def make_dataset(rng, n, kinds, n_cats, null_frac, signal, spare=()):
    """kinds: 'c' continuous or 'k' categorical per column; the last
    category of the columns in spare is never drawn."""
    cols = []
    logit = np.full(n, -0.6)
    for j, kind in enumerate(kinds):
        if kind == "c":
            scale = [1.0, 50.0, 0.01, 1000.0][j % 4]
            x = rng.normal(loc=3.0 * j, scale=scale, size=n)
            if j % 3 == 1:
                x = np.round(x)
            logit += signal * rng.normal() * (x - 3.0 * j) / scale
        else:
            x = rng.integers(0, n_cats[j] - (j in spare),
                             size=n).astype(float)
            effects = rng.normal(size=n_cats[j]) * signal
            logit += effects[x.astype(int)]
        cols.append(x)
    X = np.column_stack(cols)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    # NULLs after drawing the labels, so missingness carries no signal
    for j in range(len(kinds)):
        if null_frac[j] > 0:
            X[rng.uniform(size=n) < null_frac[j], j] = np.nan
    return X, y


def reference_fit(X, y, kinds, C):
    cont = [j for j, k in enumerate(kinds) if k == "c"]
    cat = [j for j, k in enumerate(kinds) if k == "k"]
    parts = []
    if cont:
        parts.append(("num", Pipeline([
            ("scale", StandardScaler()),
            ("impute", SimpleImputer(strategy="mean", add_indicator=True)),
        ]), cont))
    if cat:
        parts.append(("cat", OneHotEncoder(handle_unknown="ignore"), cat))
    ct = ColumnTransformer(parts, sparse_threshold=0)
    F = ct.fit_transform(X)
    m = LogisticRegression(C=C, tol=1e-14, max_iter=1000,
                           solver="newton-cholesky")
    m.fit(F, y)
    # check the optimum independently: gradient of
    # C * sum logloss + 0.5 |w|^2 (intercept unpenalised) at the fit
    w, b = m.coef_[0], m.intercept_[0]
    p = 1.0 / (1.0 + np.exp(-(F @ w + b)))
    g = np.concatenate([C * F.T @ (p - y) + w, [C * np.sum(p - y)]])
    if np.max(np.abs(g)) > 1e-9:
        sys.exit("reference fit not converged: gradient %g"
                 % np.max(np.abs(g)))
    # the default solver stops on a relative objective decrease (scipy's
    # ftol) and so is only close: say how close
    m2 = LogisticRegression(C=C, tol=1e-12, max_iter=100000, solver="lbfgs")
    m2.fit(F, y)
    gap = max(np.max(np.abs(m.coef_ - m2.coef_)),
              abs(m.intercept_[0] - m2.intercept_[0]))
    if gap > 1e-3:
        sys.exit("lbfgs and newton-cholesky disagree by %g" % gap)
    sys.stderr.write("max |grad| %.2g, lbfgs gap %.2g\n"
                     % (np.max(np.abs(g)), gap))
    return ct, m, F


def emit_dataset(out, name, rng, n_train, n_test, kinds, n_cats, null_frac,
                 signal, C, test_extra=None, spare=()):
    X, y = make_dataset(rng, n_train + n_test, kinds, n_cats, null_frac,
                        signal, spare)
    Xtr, ytr = X[:n_train], y[:n_train]
    Xte, yte = X[n_train:].copy(), y[n_train:]
    if test_extra:
        test_extra(Xte)
    ct, m, F = reference_fit(Xtr, ytr, kinds, C)
    Fte = ct.transform(Xte)
    dec = m.decision_function(Fte)
    p = len(kinds)
    out.append("/* %s: %d train + %d test rows, kinds %s, C = %g */\n"
               % (name, n_train, n_test, "".join(kinds), C))
    out.append(arr(name + "_kinds", "int",
                   [2 if k == "k" else 1 for k in kinds]))
    out.append(arr(name + "_ncat", "int", n_cats))
    out.append(arr(name + "_train", "double", Xtr.ravel()))
    out.append(arr(name + "_ytrain", "int", ytr, 20))
    out.append(arr(name + "_test", "double", Xte.ravel()))
    out.append(arr(name + "_ytest", "int", yte, 20))
    out.append(arr(name + "_features", "double", F[:3].ravel()))
    out.append(arr(name + "_coef", "double", m.coef_[0]))
    out.append(arr(name + "_decision", "double", dec))
    out.append(
        "static const ref_logreg %s = {\"%s\", %d, %d, %d, %s_kinds, %s_ncat,\n"
        "\t%s_train, %s_ytrain, %s_test, %s_ytest, %r, %d, %s_features,\n"
        "\t%s_coef, %s, %s_decision};\n\n"
        % (name, name, n_train, n_test, p, name, name, name, name, name, name,
           float(C), F.shape[1], name, name, fmt(m.intercept_[0]), name))


def emit_metrics(out, name, scores, y):
    pred = (scores > 0).astype(int)
    vals = [accuracy_score(y, pred), recall_score(y, pred, zero_division=0),
            precision_score(y, pred, zero_division=0),
            f1_score(y, pred, zero_division=0),
            balanced_accuracy_score(y, pred), roc_auc_score(y, scores)]
    out.append(arr(name + "_scores", "double", scores))
    out.append(arr(name + "_y", "int", y, 20))
    out.append(arr(name + "_expect", "double", vals))
    out.append("static const ref_metrics %s = {%d, %s_scores, %s_y, %s_expect};\n\n"
               % (name, len(y), name, name, name))


def main():
    rng = np.random.default_rng(20240604)
    out = []
    out.append("/*\n * logreg_ref.h\n *\t  Generated by test/unit/ref/make_refs.py"
               " (scikit-learn %s); do not edit.\n *\n"
               " * Reference fits of LogisticRegression on StandardScaler'd"
               " continuous\n * (mean-imputed, with missing indicators) and"
               " one-hot categorical features,\n * and reference metrics.\n */\n"
               % sklearn.__version__)
    out.append("#ifndef LOGREG_REF_H\n#define LOGREG_REF_H\n\n#include <math.h>\n\n")
    out.append("""typedef struct ref_logreg
{
	const char *name;
	int			n_train;
	int			n_test;
	int			n_cols;
	const int  *kinds;			/* 1 continuous, 2 categorical */
	const int  *n_cats;			/* categorical: category count */
	const double *train;		/* n_train x n_cols, NAN = NULL */
	const int  *y_train;
	const double *test;
	const int  *y_test;
	double		C;
	int			n_features;
	const double *features;		/* the first 3 training rows, transformed */
	const double *coef;
	double		intercept;
	const double *decision;		/* decision_function on the test rows */
} ref_logreg;

typedef struct ref_metrics
{
	int			n;
	const double *scores;
	const int  *y;
	const double *expect;		/* accuracy, recall, precision, f1,
								 * balanced accuracy, roc auc */
} ref_metrics;

""")

    # 1: continuous only, no NULLs
    emit_dataset(out, "ref_cont", rng, 200, 60, "cccc", [0, 0, 0, 0],
                 [0, 0, 0, 0], 1.0, 1.0)

    # 2: mixed, NULLs in both kinds, a category unseen in training
    def unseen(Xte):
        Xte[0, 1] = 4.0          # category 4 never drawn in training
        Xte[1, 0] = np.nan       # NULL where training had none
        Xte[2, 4] = np.nan       # NULL category in a column without NULLs

    emit_dataset(out, "ref_mixed", rng, 300, 80, "ckcckk",
                 [0, 5, 0, 0, 3, 7], [0, 0.1, 0.15, 0, 0, 0.2], 1.0, 1.0,
                 test_extra=unseen, spare=(1,))

    # 3: strong signal (nearly separable), C = 1
    emit_dataset(out, "ref_strong", rng, 250, 50, "cckc", [0, 0, 4, 0],
                 [0, 0, 0, 0.05], 4.0, 1.0)

    # 4: C = 0.1 and C = 10 on mixed data
    emit_dataset(out, "ref_c01", rng, 400, 40, "kcck", [3, 0, 0, 6],
                 [0.05, 0, 0.1, 0], 1.5, 0.1)
    emit_dataset(out, "ref_c10", rng, 400, 40, "kcck", [3, 0, 0, 6],
                 [0.05, 0, 0.1, 0], 1.5, 10.0)

    out.append("static const ref_logreg *const ref_logreg_all[] = {\n"
               "\t&ref_cont, &ref_mixed, &ref_strong, &ref_c01, &ref_c10\n};\n\n")

    # metrics: continuous scores, heavy ties, and imbalanced with no
    # positive predictions
    s1 = rng.normal(size=40)
    y1 = (rng.uniform(size=40) < 1 / (1 + np.exp(-2 * s1))).astype(int)
    emit_metrics(out, "ref_m_plain", s1, y1)
    s2 = np.round(rng.normal(size=60) * 2) / 2
    y2 = (rng.uniform(size=60) < 1 / (1 + np.exp(-s2))).astype(int)
    emit_metrics(out, "ref_m_ties", s2, y2)
    s3 = -np.abs(rng.normal(size=30)) - 0.1
    y3 = np.zeros(30, dtype=int)
    y3[[2, 5, 11, 17]] = 1
    s3[5] = s3[11]
    emit_metrics(out, "ref_m_nopos", s3, y3)
    out.append("static const ref_metrics *const ref_metrics_all[] = {\n"
               "\t&ref_m_plain, &ref_m_ties, &ref_m_nopos\n};\n\n")

    # Student t quantiles
    dfs = [1, 2, 3, 5, 9, 29, 30, 31, 35, 50, 99, 1000]
    out.append(arr("ref_t_df", "int", dfs, 12))
    out.append(arr("ref_t_q975", "double", [stats.t.ppf(0.975, d) for d in dfs]))
    out.append("\n#endif\t\t\t\t\t\t\t/* LOGREG_REF_H */\n")
    sys.stdout.write("".join(out))


if __name__ == "__main__":
    main()
