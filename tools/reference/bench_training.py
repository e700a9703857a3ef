#!/usr/bin/env python3
"""Training step time of Vocalis vs the equivalent PyTorch loop, 2 CPU threads on both sides.

Cases (--cases): head (below) and lora: LoRA rank 8 on q/v of a frozen small random-weight
HuBERT (built once under .bench/, dropouts, layerdrop and SpecAugment off), transformers
HubertModel + peft, the same head on its last hidden state, batch 4 of 2 s waveforms; adapters
lr 1e-4, wd 0 (peft is in requirements.txt).

Head-only step: batch 16 of cached embeddings (768-dim, up to 250 frames, padded, with frame
masks), standardisation, attention pooling, MLP [128] with ReLU and dropout 0.1, masked
multi-label BCE over 5 features, backward, clip_grad_norm_(1.0), AdamW (lr 1e-3, wd 0.01): the
defaults of a training config. Vocalis runs io.vocalis.ml.training.TrainingStepBenchmark (the
classes and call sequence of Trainer); PyTorch runs the same shapes with nn.Module,
BCEWithLogitsLoss(reduction="none") times the mask, torch.optim.AdamW. Both sides build each
batch from per-item float arrays (as a cached-embedding run does). Each side runs in its own
fresh process, alternating for --rounds; the round with the best median counts (its minimum is
printed too: on a loaded machine 2-thread steps stall whenever a core is taken).
Ratio = PyTorch / Vocalis (> 1: Vocalis faster). Compare numbers only within one run: the
machine may be shared.

    tools/reference/setup.sh
    tools/reference/.venv/bin/python tools/reference/bench_training.py [--cases head,lora] [--rounds 3]

The script builds the ml module (package, offline; never install) and runs it from
ml/target/classes and core/target/classes.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = Path(__file__).resolve().parent / ".bench"
SMALL_HUBERT = BENCH / "hubert-small"
SEED = 7


def build_hubert():
    """A small random-weight HuBERT (4 layers, hidden 256, conv dim 128), dropouts and masking off."""
    if (SMALL_HUBERT / "config.json").exists():
        return
    import torch
    from transformers import HubertConfig, HubertModel
    torch.manual_seed(0)
    config = HubertConfig(hidden_size=256, num_hidden_layers=4, num_attention_heads=4, intermediate_size=1024,
                          conv_dim=(128,) * 7, hidden_dropout=0.0, attention_dropout=0.0, activation_dropout=0.0,
                          feat_proj_dropout=0.0, final_dropout=0.0, layerdrop=0.0, apply_spec_augment=False,
                          mask_time_prob=0.0)
    HubertModel(config).eval().save_pretrained(SMALL_HUBERT)


def measure_lora(steps, warmup, batch, seconds):
    import numpy as np
    import torch
    from peft import LoraConfig, get_peft_model
    from torch import nn
    from transformers import HubertModel
    torch.set_num_threads(2)
    torch.set_num_interop_threads(1)
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    n = int(round(seconds * 16000))
    t = np.arange(n)
    waves = torch.from_numpy(np.stack([(0.1 * rng.standard_normal(n) + 0.3 * np.sin(t * 0.05 * (b + 1)))
                                       .astype(np.float32) for b in range(batch)]))
    features = 5
    targets = torch.tensor([[(i + f) % 2 for f in range(features)] for i in range(batch)], dtype=torch.float32)
    rated = torch.tensor([[0 if (i * 5 + f) % 7 == 0 else 1 for f in range(features)] for i in range(batch)],
                         dtype=torch.float32)
    encoder = get_peft_model(HubertModel.from_pretrained(SMALL_HUBERT),
                             LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, target_modules=["q_proj", "v_proj"]))
    encoder.train()
    hidden = encoder.config.hidden_size
    head = attention_head(nn, torch, hidden, features, normalize=False).train()
    optimizer = torch.optim.AdamW([
        {"params": list(head.parameters()), "lr": 1e-3, "weight_decay": 0.01},
        {"params": [p for p in encoder.parameters() if p.requires_grad], "lr": 1e-4, "weight_decay": 0.0}],
        betas=(0.9, 0.999), eps=1e-8)
    params = [p for g in optimizer.param_groups for p in g["params"]]
    bce = nn.BCEWithLogitsLoss(reduction="none")

    def step(k):
        states = encoder(waves).last_hidden_state
        mask = torch.ones(states.shape[:2])
        logits = head(states, mask)
        loss = (bce(logits, targets) * rated).sum() / rated.sum().clamp(min=1)
        loss.item()
        optimizer.zero_grad(set_to_none=False)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()

    report("lora", [timed(step, k) for k in range(warmup + steps)][warmup:], steps)


def timed(fn, k):
    start = time.perf_counter()
    fn(k)
    return (time.perf_counter() - start) * 1000


def report(case, times, steps):
    ordered = sorted(times)
    median = (ordered[len(ordered) // 2] if len(ordered) % 2
              else (ordered[len(ordered) // 2 - 1] + ordered[len(ordered) // 2]) / 2)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"side": "pytorch", "case": case, "ms_per_step": median,
                      "mean_ms_per_step": sum(times) / len(times), "min_ms_per_step": ordered[0],
                      "steps": steps, "peak_rss_mb": peak}))


def attention_head(nn, torch, hidden, features, normalize, mean=None, std=None):
    class Head(nn.Module):
        def __init__(self):
            super().__init__()
            if normalize:
                self.register_buffer("mean", mean)
                self.register_buffer("std", std)
            bound = hidden ** -0.5
            self.query = nn.Parameter(torch.empty(hidden).uniform_(-bound, bound))
            self.layer = nn.Linear(hidden, 128)
            self.output = nn.Linear(128, features)
            self.dropout = nn.Dropout(0.1)

        def forward(self, x, mask):
            if normalize:
                x = (x - self.mean) / self.std
            scores = (x @ self.query) / hidden ** 0.5
            scores = scores.masked_fill(mask == 0, -torch.finfo(x.dtype).max)
            weights = torch.softmax(scores, 1) * mask
            h = (x * weights.unsqueeze(2)).sum(1)
            h = torch.relu(self.layer(self.dropout(h)))
            return self.output(self.dropout(h))

    return Head()


def measure_python(steps, warmup, batch, hidden, frames, features):
    import numpy as np
    import torch
    from torch import nn
    torch.set_num_threads(2)
    torch.set_num_interop_threads(1)
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    pool = 4 * batch
    lengths = [frames - (37 * i) % 100 for i in range(pool)]
    embeddings = [rng.standard_normal((n, hidden), dtype=np.float32) for n in lengths]
    targets = np.array([[(i + f) % 2 for f in range(features)] for i in range(pool)], np.float32)
    rated = np.array([[0 if (i * 5 + f) % 7 == 0 else 1 for f in range(features)] for i in range(pool)],
                     np.float32)

    mean = torch.from_numpy(0.1 * rng.standard_normal(hidden).astype(np.float32))
    std = torch.from_numpy((1 + 0.1 * rng.random(hidden)).astype(np.float32))
    model = attention_head(nn, torch, hidden, features, True, mean, std).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
    bce = nn.BCEWithLogitsLoss(reduction="none")

    def step(k):
        rows = [(k * batch + i) % pool for i in range(batch)]
        longest = max(lengths[r] for r in rows)
        values = np.zeros((batch, longest, hidden), np.float32)
        mask = np.zeros((batch, longest), np.float32)
        for i, r in enumerate(rows):
            values[i, :lengths[r]] = embeddings[r]
            mask[i, :lengths[r]] = 1
        x, m = torch.from_numpy(values), torch.from_numpy(mask)
        t, r = torch.from_numpy(targets[rows]), torch.from_numpy(rated[rows])
        logits = model(x, m)
        loss = (bce(logits, t) * r).sum() / r.sum().clamp(min=1)
        value = loss.item()
        if not np.isfinite(value):
            raise RuntimeError(f"loss {value}")
        optimizer.zero_grad(set_to_none=False)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()

    times = []
    for k in range(warmup + steps):
        start = time.perf_counter()
        step(k)
        if k >= warmup:
            times.append((time.perf_counter() - start) * 1000)
    ordered = sorted(times)
    median = (ordered[len(ordered) // 2] if len(ordered) % 2
              else (ordered[len(ordered) // 2 - 1] + ordered[len(ordered) // 2]) / 2)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"side": "pytorch", "case": "head", "ms_per_step": median,
                      "mean_ms_per_step": sum(times) / len(times), "min_ms_per_step": ordered[0],
                      "steps": steps, "peak_rss_mb": peak}))


def classpath():
    out = ROOT / "ml" / "target" / "bench.classpath"
    mvnw = str(ROOT / "mvnw")
    subprocess.run([mvnw, "-B", "-q", "-o", "-pl", "ml", "-am", "package", "-DskipTests"], cwd=ROOT, check=True)
    subprocess.run([mvnw, "-B", "-q", "-o", "-pl", "ml", "dependency:build-classpath",
                    f"-Dmdep.outputFile={out}"], cwd=ROOT, check=True)
    # the reactor's own classes, not whatever vocalis-core sits in ~/.m2
    deps = [p for p in out.read_text().strip().split(":") if "/io/vocalis/" not in p]
    return ":".join([str(ROOT / "ml" / "target" / "classes"), str(ROOT / "core" / "target" / "classes")] + deps)


def run_json(command, env=None):
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    lines = [l for l in result.stdout.splitlines() if l.startswith("{")]
    if result.returncode != 0 or not lines:
        sys.exit(f"failed: {' '.join(command)}\n{result.stdout}\n{result.stderr[-3000:]}")
    return json.loads(lines[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", default="head,lora")
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--hidden", type=int, default=768)
    parser.add_argument("--frames", type=int, default=250)
    parser.add_argument("--features", type=int, default=5)
    parser.add_argument("--lora-steps", type=int, default=20)
    parser.add_argument("--lora-warmup", type=int, default=3)
    parser.add_argument("--lora-batch", type=int, default=4)
    parser.add_argument("--lora-seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3,
                        help="fresh processes per side, alternating; the best median counts")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--measure-python", help=argparse.SUPPRESS)
    args = parser.parse_args()
    head_args = [str(v) for v in (args.steps, args.warmup, args.batch, args.hidden, args.frames, args.features)]
    lora_args = [str(v) for v in (args.lora_steps, args.lora_warmup, args.lora_batch, args.lora_seconds)]
    if args.measure_python == "head":
        measure_python(*(int(v) for v in head_args))
        return
    if args.measure_python == "lora":
        measure_lora(args.lora_steps, args.lora_warmup, args.lora_batch, args.lora_seconds)
        return
    cases = args.cases.split(",")
    if "lora" in cases:
        build_hubert()
    cp = classpath()
    env = dict(os.environ, DJL_CACHE_DIR=os.environ.get("DJL_CACHE_DIR", str(Path.home() / ".djl.ai")))
    java = ["java", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=2",
            "-Dai.djl.pytorch.num_interop_threads=1", "-cp", cp, "io.vocalis.ml.training.TrainingStepBenchmark"]
    rows = []
    for case in cases:
        if case == "head":
            label = f"head b{args.batch} {args.frames}x{args.hidden}"
            commands = {"pytorch": [sys.executable, __file__, "--measure-python", "head", "--steps", head_args[0],
                                    "--warmup", head_args[1], "--batch", head_args[2], "--hidden", head_args[3],
                                    "--frames", head_args[4], "--features", head_args[5]],
                        "vocalis": java + head_args}
        else:
            label = f"lora r8 q,v b{args.lora_batch} {args.lora_seconds:g}s"
            commands = {"pytorch": [sys.executable, __file__, "--measure-python", "lora", "--lora-steps", lora_args[0],
                                    "--lora-warmup", lora_args[1], "--lora-batch", lora_args[2],
                                    "--lora-seconds", lora_args[3]],
                        "vocalis": java + ["lora", str(SMALL_HUBERT)] + lora_args}
        best = {}
        for _ in range(args.rounds):
            for side in ("pytorch", "vocalis"):
                result = run_json(commands[side], env if side == "vocalis" else None)
                if args.verbose:
                    print(json.dumps(result))
                if side not in best or result["ms_per_step"] < best[side]["ms_per_step"]:
                    best[side] = result
        rows.append((label, best["pytorch"], best["vocalis"]))
    print(f"{'case':24} {'statistic':9} {'pytorch ms/step':>15} {'vocalis ms/step':>15} {'ratio':>6}"
          f" {'peak MB py':>10} {'peak MB java':>12}")
    for label, py, jv in rows:
        for statistic, key in (("median", "ms_per_step"), ("min", "min_ms_per_step")):
            print(f"{label:24} {statistic:9} {py[key]:15.1f} {jv[key]:15.1f} {py[key] / jv[key]:6.2f}"
                  f" {py['peak_rss_mb']:10.0f} {jv['peak_rss_mb']:12.0f}")

if __name__ == "__main__":
    main()
