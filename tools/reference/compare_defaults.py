#!/usr/bin/env python3
"""Vocalis's default training run vs the logistic-regression baseline, on synthetic cohorts.

For every cohort size (--speakers, default 24,48,96) and seed (--seeds, default 1,2,3) this
generates a cohort (`vocalis cohort --speakers N --utterances 4 --seconds 2 --seed S`), runs
`vocalis train --data COHORT --folds 5 --seed S` with the default configuration (plus any --set),
exports the same log-mel frames with `vocalis encode --model fbank` and runs baseline_logreg.py on
the run's own folds. Both sides are scored by the pooled out-of-fold macro AUROC
(`cv.oof.macro_auroc` of the run's metrics.json). Prints a Markdown table: each seed and the mean
per cohort size.

    tools/reference/setup.sh
    tools/reference/.venv/bin/python tools/reference/compare_defaults.py [--work DIR] [--set key=value ...]

It builds the cli module first (package, offline; never install; --no-build skips that) and runs
the CLI from cli/target. Cohorts and fbank exports are kept under --work and reused; run folders
are made anew (named by --label). About 5 minutes on 2 cores.
"""

import argparse
import csv
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline_logreg import baseline  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def vocalis(*args):
    command = ["java", "-Dai.djl.offline=true", f"-Dvocalis.home={ROOT}", "-cp",
               f"{ROOT}/cli/target/classes:{ROOT}/cli/target/lib/*", "io.vocalis.cli.Vocalis", *args]
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"vocalis {' '.join(args[:1])} failed with exit code {done.returncode}")
    return done.stdout


def cohort(work, speakers, seed):
    """The cohort folder and its fbank export, made once."""
    folder = work / f"cohort-{speakers}-s{seed}"
    if not (folder / "metadata.csv").exists():
        vocalis("cohort", "--out", str(folder), "--speakers", str(speakers), "--utterances", "4",
                "--seconds", "2", "--seed", str(seed), "--force")
    fbank = work / f"fbank-{speakers}-s{seed}.safetensors"
    if not fbank.exists():
        with open(folder / "metadata.csv", newline="") as f:
            files = [str(folder / row["file"]) for row in csv.DictReader(f)]
        vocalis("encode", "--model", "fbank", "--out", str(fbank), *files)
    return folder, fbank


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", default="/tmp/vocalis-defaults", help="cohorts, exports and runs (default %(default)s)")
    parser.add_argument("--speakers", default="24,48,96")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a config override for the Vocalis runs (default: none, the defaults)")
    parser.add_argument("--label", default="default", help="names the run folders (default %(default)s)")
    parser.add_argument("--no-build", action="store_true", help="use cli/target as it is")
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    if not args.no_build:
        subprocess.run([str(ROOT / "mvnw"), "-B", "-q", "-o", "-pl", "cli", "-am", "package", "-DskipTests"],
                       cwd=ROOT, check=True)
    started = time.time()
    table = []
    for speakers in [int(s) for s in args.speakers.split(",")]:
        rows = []
        for seed in [int(s) for s in args.seeds.split(",")]:
            data, fbank = cohort(work, speakers, seed)
            run = work / f"run-{args.label}-{speakers}-s{seed}"
            shutil.rmtree(run, ignore_errors=True)
            sets = [a for kv in args.set for a in ("--set", kv)]
            vocalis("train", "--data", str(data), "--out", str(run), "--folds", str(args.folds), "--seed", str(seed),
                    *sets)
            metrics = json.loads((run / "metrics.json").read_text())["cv"]
            ours = metrics["oof"]["macro_auroc"]
            theirs = baseline(data, run, fbank)["macro_auroc"]
            epochs = metrics["best_epochs"]
            rows.append((seed, ours, theirs, epochs))
            print(f"{speakers} speakers, seed {seed}: Vocalis {ours:.3f} (best epochs {epochs}),"
                  f" baseline {theirs:.3f}  [{time.time() - started:.0f} s]", file=sys.stderr, flush=True)
        table.append((speakers, rows))
    print(f"\nVocalis ({' '.join(args.set) or 'defaults'}) vs logistic regression on mean+std log-mel,"
          f" {args.folds}-fold speaker-disjoint CV, out-of-fold macro AUROC:\n")
    print("| speakers | seed | Vocalis | baseline | difference | Vocalis best epochs |")
    print("|---:|---:|---:|---:|---:|---|")
    for speakers, rows in table:
        for seed, ours, theirs, epochs in rows:
            print(f"| {speakers} | {seed} | {ours:.3f} | {theirs:.3f} | {ours - theirs:+.3f} | {epochs} |")
        mean_ours = sum(r[1] for r in rows) / len(rows)
        mean_theirs = sum(r[2] for r in rows) / len(rows)
        print(f"| **{speakers}** | **mean** | **{mean_ours:.3f}** | **{mean_theirs:.3f}** |"
              f" **{mean_ours - mean_theirs:+.3f}** | |")
    print(f"\n{time.time() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
