#!/usr/bin/python3
"""
bench_smote_logreg.py
    The Python baseline of bench_smote_logreg.c, measured on this machine:
    imbalanced-learn's SMOTENC (k = 5, to 1:1) on the same heart train split
    sizes (continuous columns StandardScaler'd, as our distance does), and
    scikit-learn's LogisticRegression(C=1) fit (default lbfgs) on the same
    features.  Prints "<smote seconds> <logistic seconds>", each the best of
    25 runs; details go to stderr.

Needs Debian's python3-sklearn and python3-imblearn (/usr/bin/python3).
"""
import csv
import sys
import time

import numpy as np
from imblearn.over_sampling import SMOTE, SMOTENC
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import OneHotEncoder, StandardScaler

DATA = "test/data/heart_attack_prediction_dataset.csv"
REPEAT = 25


def load():
    with open(DATA, newline="") as f:
        rows = list(csv.reader(f))
    head, rows = rows[0], rows[1:]
    names, cols = [], []
    for j, name in enumerate(head):
        if name == "Patient ID":
            continue
        if name == "Blood Pressure":
            names += ["Systolic", "Diastolic"]
            cols.append([r[j].split("/")[0] for r in rows])
            cols.append([r[j].split("/")[1] for r in rows])
        else:
            names.append(name)
            cols.append([r[j] for r in rows])
    y = np.array([int(v) for v in cols[-1]])
    if 2 * y.sum() > len(y):
        y = 1 - y
    X, cat = [], []
    for j, col in enumerate(cols[:-1]):
        try:
            v = np.array([float(s) for s in col])
            integral = np.all(v == np.round(v))
            if integral and len(np.unique(v)) <= 20:
                cat.append(j)
                v = np.searchsorted(np.unique(v), v).astype(float)
        except ValueError:
            u = sorted(set(col))
            v = np.array([float(u.index(s)) for s in col])
            cat.append(j)
        X.append(v)
    return np.column_stack(X), y, cat


def best(f):
    times = []
    for i in range(REPEAT):
        t0 = time.perf_counter()
        f(i)
        times.append(time.perf_counter() - t0)
    return min(times)


def main():
    X, y, cat = load()
    Xtr, _, ytr, _ = train_test_split(X, y, test_size=0.3, stratify=y,
                                      random_state=42)
    cont = [j for j in range(X.shape[1]) if j not in cat]
    Xs = Xtr.copy()
    Xs[:, cont] = StandardScaler().fit_transform(Xs[:, cont])
    sys.stderr.write("train %d rows, %d minority\n" % (len(ytr), ytr.sum()))
    smote_s = best(lambda i: SMOTENC(categorical_features=cat, k_neighbors=5,
                                     random_state=i).fit_resample(Xs, ytr))
    all_s = StandardScaler().fit_transform(Xtr)
    plain_s = best(lambda i: SMOTE(k_neighbors=5,
                                   random_state=i).fit_resample(all_s, ytr))
    sys.stderr.write("SMOTENC %.4f s; plain SMOTE on all columns as numbers "
                     "%.4f s\n" % (smote_s, plain_s))
    ct = ColumnTransformer([("num", StandardScaler(), cont),
                            ("cat", OneHotEncoder(), cat)],
                           sparse_threshold=0)
    F = ct.fit_transform(Xtr)
    logreg_s = best(lambda i: LogisticRegression(C=1.0).fit(F, ytr))
    sys.stderr.write("%d features\n" % F.shape[1])
    print("%.6f %.6f" % (smote_s, logreg_s))


if __name__ == "__main__":
    main()
