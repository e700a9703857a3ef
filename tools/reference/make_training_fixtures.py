"""Reference numbers for the training engine's tests (ml/src/test/resources/training/reference.json).

scikit-learn: roc_auc_score, average_precision_score, f1_score, balanced_accuracy_score on fixed
score/label sets with ties. PyTorch: BCEWithLogitsLoss with pos_weight, a CORAL loss, AdamW steps,
clip_grad_norm_, ReduceLROnPlateau. Run with tools/reference/.venv/bin/python (setup.sh, plus
scikit-learn). Deterministic: fixed seeds.
"""
import json
import pathlib

import numpy as np
import torch
from sklearn.metrics import (average_precision_score, balanced_accuracy_score, f1_score,
                             roc_auc_score)

OUT = pathlib.Path(__file__).resolve().parents[2] / "ml/src/test/resources/training/reference.json"


def metric_case(scores, labels):
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels, dtype=bool)
    case = {"scores": scores.tolist(), "labels": labels.astype(int).tolist()}
    case["auroc"] = float(roc_auc_score(labels, scores))
    case["auprc"] = float(average_precision_score(labels, scores))
    case["f1_at_0.5"] = float(f1_score(labels, scores >= 0.5, zero_division=0))
    case["balanced_accuracy_at_0.5"] = float(balanced_accuracy_score(labels, scores >= 0.5))
    # threshold tuned for F1: the highest of the best distinct scores
    best, best_f1 = None, -1.0
    for t in sorted(set(scores.tolist()), reverse=True):
        f = f1_score(labels, scores >= t, zero_division=0)
        if f > best_f1:
            best, best_f1 = t, f
    case["tuned_threshold"] = best
    case["f1_at_tuned"] = float(best_f1)
    case["balanced_accuracy_at_tuned"] = float(balanced_accuracy_score(labels, scores >= best))
    return case


def metrics():
    rng = np.random.default_rng(6)
    cases = []
    scores = np.round(rng.uniform(0, 1, 30), 1)  # many ties
    labels = rng.uniform(0, 1, 30) < 0.3 + 0.5 * scores
    cases.append(metric_case(scores, labels))
    cases.append(metric_case([0.2, 0.2, 0.2, 0.7, 0.7, 0.9, 0.1, 0.7], [0, 1, 0, 1, 0, 1, 0, 1]))
    cases.append(metric_case([0.5] * 6, [1, 0, 1, 0, 0, 0]))
    cases.append(metric_case(rng.uniform(0, 1, 200).tolist(), (rng.uniform(0, 1, 200) < 0.1).tolist()))
    return cases


def losses():
    g = torch.Generator().manual_seed(3)
    logits = torch.randn(5, 3, generator=g) * 3
    targets = (torch.rand(5, 3, generator=g) < 0.4).float()
    mask = torch.tensor([[1, 1, 0], [1, 0, 1], [0, 0, 0], [1, 1, 1], [0, 1, 1]], dtype=torch.float32)
    pos_weight = torch.tensor([1.0, 2.5, 0.5])
    per = torch.nn.BCEWithLogitsLoss(reduction="none", pos_weight=pos_weight)(logits, targets)
    bce_pw = (per * mask).sum() / mask.sum()
    per1 = torch.nn.BCEWithLogitsLoss(reduction="none")(logits, targets)
    bce = (per1 * mask).sum() / mask.sum()
    # CORAL (coral-pytorch's coral_loss, per item and feature, then masked mean)
    coral_logits = torch.randn(5, 3, 4, generator=g) * 2
    ratings = torch.tensor([[0, 1, 4], [2, 3, 0], [4, 4, 4], [1, 0, 2], [3, 2, 1]], dtype=torch.float32)
    levels = (ratings.unsqueeze(2) > torch.arange(4).float()).float()
    ls = torch.nn.functional.logsigmoid(coral_logits)
    per_item = -(ls * levels + (ls - coral_logits) * (1 - levels)).sum(dim=2)
    coral = (per_item * mask).sum() / mask.sum()
    return {"logits": logits.flatten().tolist(), "targets": targets.flatten().tolist(),
            "mask": mask.flatten().tolist(), "pos_weight": pos_weight.tolist(),
            "bce": bce.item(), "bce_pos_weight": bce_pw.item(),
            "coral_logits": coral_logits.flatten().tolist(), "ratings": ratings.flatten().tolist(),
            "coral": coral.item()}


def adamw():
    g = torch.Generator().manual_seed(5)
    p = torch.nn.Parameter(torch.randn(3, 4, generator=g))
    q = torch.nn.Parameter(torch.randn(5, generator=g))
    start = [p.detach().flatten().tolist(), q.detach().flatten().tolist()]
    opt = torch.optim.AdamW([{"params": [p], "lr": 0.01, "weight_decay": 0.1},
                             {"params": [q], "lr": 0.003, "weight_decay": 0.0}],
                            betas=(0.9, 0.98), eps=1e-8)
    grads, after = [], []
    for _ in range(6):
        gp = torch.randn(3, 4, generator=g)
        gq = torch.randn(5, generator=g) * 0.1
        grads.append([gp.flatten().tolist(), gq.flatten().tolist()])
        p.grad = gp.clone()
        q.grad = gq.clone()
        opt.step()
        after.append([p.detach().flatten().tolist(), q.detach().flatten().tolist()])
    # clipping: two gradients, max norm 0.5
    a = torch.nn.Parameter(torch.zeros(3, 4))
    b = torch.nn.Parameter(torch.zeros(5))
    a.grad = torch.tensor(grads[0][0]).reshape(3, 4)
    b.grad = torch.tensor(grads[0][1])
    norm = torch.nn.utils.clip_grad_norm_([a, b], 0.5)
    return {"start": start, "grads": grads, "after": after, "lr": [0.01, 0.003], "weight_decay": [0.1, 0.0],
            "betas": [0.9, 0.98], "eps": 1e-8,
            "clip": {"max_norm": 0.5, "total_norm": norm.item(),
                     "clipped": [a.grad.flatten().tolist(), b.grad.flatten().tolist()]}}


def plateau():
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=1.0)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=2,
                                                       threshold=0.0, min_lr=0.1)
    metrics = [0.5, 0.6, 0.6, 0.55, 0.58, 0.61, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]
    lrs = []
    for m in metrics:
        sched.step(m)
        lrs.append(opt.param_groups[0]["lr"])
    return {"metrics": metrics, "factor": 0.5, "patience": 2, "min_factor": 0.1, "lr_after": lrs}


def main():
    torch.set_num_threads(1)
    data = {"metrics": metrics(), "losses": losses(), "adamw": adamw(), "plateau": plateau(),
            "versions": {"torch": torch.__version__, "sklearn": __import__("sklearn").__version__}}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data) + "\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
