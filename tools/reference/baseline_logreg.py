#!/usr/bin/env python3
"""Peer-style baseline for a Vocalis cross-validation: logistic regression on mean+std pooled log-mel.

For a dataset folder and a finished `vocalis train --folds K` run on it, this fits, per fold and
per feature, scikit-learn's StandardScaler + LogisticRegression (C=1, lbfgs) on the recordings of
every speaker outside the fold's test speakers (the run's split.json, `test_folds`), predicts
P(present) for the fold's test recordings, pools those out-of-fold predictions and reports the
per-feature AUROC and their macro mean over the features where it is defined: the same folds, the
same labels (rating > data.threshold of the run's config.yaml, blank = unrated) and the same
metric as the run's `cv.oof.macro_auroc`.

Features: the log-mel frames Vocalis itself computes (`vocalis encode --model fbank`: Kaldi fbank,
80 bins, 25 ms / 10 ms, the run's encoder), one safetensors file with `item<k>_last` (frames x 80)
for the k-th row of metadata.csv; each recording is pooled to the mean and the (population)
standard deviation of its frames, 160 values.

    tools/reference/.venv/bin/python tools/reference/baseline_logreg.py \
        --data COHORT --run CV_RUN --fbank FBANK.safetensors

Prints one JSON object: macro_auroc, features.<name>.auroc, folds. See compare_defaults.py for the
whole comparison.
"""

import argparse
import csv
import json
from pathlib import Path

import numpy as np
import yaml
from safetensors.numpy import load_file
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def pooled_fbank(path, count):
    """Mean and std over frames of item<k>_last for k < count: (count, 160) float64."""
    tensors = load_file(str(path))
    rows = []
    for k in range(count):
        frames = tensors[f"item{k}_last"].astype(np.float64)
        rows.append(np.concatenate([frames.mean(axis=0), frames.std(axis=0)]))
    return np.stack(rows)


def read_metadata(data):
    with open(Path(data) / "metadata.csv", newline="") as f:
        return list(csv.DictReader(f))


def labels(rows, features, threshold):
    """(present, rated) boolean matrices, rows x features; blank cells are unrated."""
    present = np.zeros((len(rows), len(features)), dtype=bool)
    rated = np.zeros_like(present)
    for i, row in enumerate(rows):
        for j, feature in enumerate(features):
            cell = row[feature].strip()
            if cell:
                rated[i, j] = True
                present[i, j] = float(cell) > threshold
    return present, rated


def baseline(data, run, fbank):
    """The out-of-fold macro AUROC of the logistic-regression baseline on the run's folds."""
    run = Path(run)
    rows = read_metadata(data)
    split = json.loads((run / "split.json").read_text())
    if split.get("method") != "kfold":
        raise SystemExit(f"{run} is not a cross-validation run (split.json method {split.get('method')})")
    config = yaml.safe_load((run / "config.yaml").read_text())
    fold_predictions = json.loads((run / "folds" / "fold-1" / "test_predictions.json").read_text())
    features = fold_predictions["features"]
    present, rated = labels(rows, features, float(config["data"]["threshold"]))
    x = pooled_fbank(fbank, len(rows))
    speakers = np.array([r["speaker_id"] for r in rows])
    oof = np.full((len(rows), len(features)), np.nan)
    for fold in split["test_folds"]:
        test = np.isin(speakers, fold["speakers"])
        for j in range(len(features)):
            train = ~test & rated[:, j]
            y = present[train, j]
            if y.all() or not y.any():
                oof[test, j] = y.mean() if y.size else 0.5
                continue
            model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=5000))
            model.fit(x[train], y)
            oof[test, j] = model.predict_proba(x[test])[:, 1]
    if np.isnan(oof).any():
        raise SystemExit("some recordings are in no test fold: split.json does not match metadata.csv")
    result = {"folds": len(split["test_folds"]), "features": {}}
    aurocs = []
    for j, feature in enumerate(features):
        r = rated[:, j]
        y = present[r, j]
        auroc = float(roc_auc_score(y, oof[r, j])) if 0 < y.sum() < y.size else None
        result["features"][feature] = {"auroc": auroc, "rated": int(r.sum()), "positives": int(y.sum())}
        if auroc is not None:
            aurocs.append(auroc)
    result["macro_auroc"] = float(np.mean(aurocs)) if aurocs else None
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="dataset folder (metadata.csv)")
    parser.add_argument("--run", required=True, help="a finished vocalis train --folds K run folder")
    parser.add_argument("--fbank", required=True, help="vocalis encode --model fbank output, metadata.csv order")
    args = parser.parse_args()
    print(json.dumps(baseline(args.data, args.run, args.fbank), indent=2))


if __name__ == "__main__":
    main()
