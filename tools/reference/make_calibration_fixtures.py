"""Reference numbers for the calibration tests (ml/src/test/resources/training/calibration.json).

scikit-learn only (numpy, scikit-learn; no torch): calibration_curve(strategy="uniform", n_bins=10)
with the per-bin counts it bins by (numpy.searchsorted on the inner edges) and the count-weighted
ECE on fixed probability/label sets with values on the bin edges; and Platt and temperature
scaling as logistic regressions on the logit with Platt's smoothed targets, fitted by
LogisticRegression(C=1e12) on each recording twice (label 1 with weight t, label 0 with weight
1 - t), which minimises the same cross-entropy, plus sklearn's own _sigmoid_calibration.
Run with tools/reference/.venv/bin/python. Deterministic: fixed seeds.
"""
import json
import pathlib

import numpy as np
from sklearn.calibration import _sigmoid_calibration, calibration_curve
from sklearn.linear_model import LogisticRegression

OUT = pathlib.Path(__file__).resolve().parents[2] / "ml/src/test/resources/training/calibration.json"
BINS = 10


def reliability_case(probabilities, labels):
    p = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(labels, dtype=int)
    observed, predicted = calibration_curve(y, p, n_bins=BINS, strategy="uniform")
    edges = np.linspace(0.0, 1.0, BINS + 1)
    counts = np.bincount(np.searchsorted(edges[1:-1], p), minlength=BINS)
    nonzero = counts[counts > 0]
    ece = float(np.sum(nonzero / len(p) * np.abs(observed - predicted)))
    return {"probabilities": p.tolist(), "labels": y.tolist(), "edges": edges.tolist(),
            "counts": counts.tolist(), "observed": observed.tolist(), "mean_predicted": predicted.tolist(),
            "ece": ece}


def reliability():
    rng = np.random.default_rng(16)
    cases = []
    p = np.round(rng.uniform(0, 1, 60), 1)  # many on the edges 0.1, 0.2, ...
    cases.append(reliability_case(p, rng.uniform(0, 1, 60) < p))
    p = rng.uniform(0, 1, 300).astype(np.float32).astype(np.float64)  # as a model's float32 outputs
    cases.append(reliability_case(p, rng.uniform(0, 1, 300) < p ** 2))
    p = np.array([0.0, 0.0, 1.0, 1.0, 0.95, 0.02, 0.6])
    cases.append(reliability_case(p, [0, 1, 1, 1, 0, 0, 1]))
    return cases


def platt_targets(labels):
    y = np.asarray(labels, dtype=bool)
    positives, negatives = y.sum(), (~y).sum()
    return np.where(y, (positives + 1.0) / (positives + 2.0), 1.0 / (negatives + 2.0))


def weighted_fit(z, labels, intercept):
    t = platt_targets(labels)
    x = np.concatenate([z, z]).reshape(-1, 1)
    y = np.concatenate([np.ones(len(z)), np.zeros(len(z))])
    w = np.concatenate([t, 1 - t])
    model = LogisticRegression(C=1e12, fit_intercept=intercept, tol=1e-12, max_iter=100000)
    model.fit(x, y, sample_weight=w)
    return float(model.coef_[0, 0]), float(model.intercept_[0]) if intercept else 0.0


def scaling_case(z, labels):
    z = np.asarray(z, dtype=np.float64)
    labels = np.asarray(labels, dtype=bool)
    slope, intercept = weighted_fit(z, labels, True)
    a, b = _sigmoid_calibration(z, labels.astype(int))  # p = 1 / (1 + exp(a z + b))
    temperature_slope, _ = weighted_fit(z, labels, False)
    return {"logits": z.tolist(), "labels": labels.astype(int).tolist(),
            "platt": {"slope": slope, "intercept": intercept},
            "sklearn_sigmoid_calibration": {"slope": float(-a), "intercept": float(-b)},
            "temperature": {"slope": temperature_slope}}


def scaling():
    rng = np.random.default_rng(17)
    cases = []
    y = rng.uniform(0, 1, 40) < 0.35
    cases.append(scaling_case(np.where(y, 2.5, -1.0) + rng.normal(0, 2.0, 40) * 1.8, y))  # overconfident
    y = rng.uniform(0, 1, 25) < 0.5
    cases.append(scaling_case(np.where(y, 0.4, -0.3) + rng.normal(0, 0.3, 25), y))  # underconfident
    cases.append(scaling_case([-3.0, -2.0, -1.5, 0.5, 1.0, 4.0], [0, 0, 0, 1, 1, 1]))  # separable
    return cases


def main():
    OUT.write_text(json.dumps({"reliability": reliability(), "scaling": scaling()}, indent=1) + "\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
