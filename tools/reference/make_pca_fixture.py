#!/usr/bin/env python3
"""PCA reference: numpy's SVD of a small centred matrix, for io.vocalis.ml.analysis.PcaTest.

Writes ml/src/test/resources/analysis/pca-reference.json: a seeded 12 x 6 matrix with three
directions of clearly different variance plus noise, and what a PCA of two components gives by
SVD (numpy.linalg.svd of the centred matrix, as scikit-learn's PCA computes it): the column
means, the components (each flipped so that its largest-magnitude loading is positive, the sign
rule Vocalis uses), the explained variances (divisor n - 1), their ratios and the projections.
Java finds the components by another algorithm (subspace iteration on X^T X), so agreement is a
real check. Needs numpy only; run from the repository root:
    python3 tools/reference/make_pca_fixture.py
"""

import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "ml/src/test/resources/analysis/pca-reference.json"

rng = np.random.default_rng(20261201)
n, d = 12, 6
latent = rng.normal(size=(n, 3)) * np.array([5.0, 2.0, 0.7])
mixing = np.linalg.qr(rng.normal(size=(d, 3)))[0].T  # 3 orthonormal directions in R^6
x = latent @ mixing + rng.normal(scale=0.1, size=(n, d)) + np.arange(d)
x = np.round(x, 6)

mean = x.mean(axis=0)
centred = x - mean
_, s, vt = np.linalg.svd(centred, full_matrices=False)
components = vt[:2].copy()
for c in components:
    if c[np.argmax(np.abs(c))] < 0:
        c *= -1
variance = s ** 2 / (n - 1)
total = centred.var(axis=0, ddof=1).sum()
OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(json.dumps({
    "numpy": np.__version__,
    "rows": x.tolist(),
    "mean": mean.tolist(),
    "components": components.tolist(),
    "explained_variance": variance[:2].tolist(),
    "explained_variance_ratio": (variance[:2] / total).tolist(),
    "projections": (centred @ components.T).tolist(),
}, indent=1) + "\n")
print("wrote", OUT)
