#!/usr/bin/env python3
"""Audio preprocessing speed: `vocalis audio bench` and soxr, measured in the same run.

Prints a markdown table of single-thread speeds as multiples of real time (audio-hours per hour
per core) and the Vocalis / soxr ratio for each rate pair. Run from the repository root after
building the CLI:

    ./mvnw -B -q -o -pl core,cli -am package -DskipTests
    pip install --index-url file:///opt/pypi/simple --extra-index-url file:///opt/pypi-more/simple numpy soxr
    python3 tools/reference/bench_audio.py [--seconds 60] [--rounds 5]

Both sides resample speech-like float32 mono signals of the same length; each figure is the
median of the measured rounds after warm-up rounds. Compare figures only within one run: on a
shared machine the absolute numbers move with the load, the ratio much less.
"""
import argparse
import json
import os
import pathlib
import subprocess
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import soxr  # noqa: E402


def speech(rate, seconds, seed=0):
    """Harmonics of a 120 +- 30 Hz f0 under three formants, 4 Hz syllables, a little noise."""
    t = np.arange(int(seconds * rate)) / rate
    f0 = 120 + 30 * np.sin(2 * np.pi * 3 * t)
    phase = 2 * np.pi * np.cumsum(f0) / rate
    x = np.zeros_like(t)
    for k in range(1, int(min(rate / 2, 5000) // 150) + 1):
        f = k * f0
        gain = 1 / (1 + ((f - 700) / 130) ** 2) + 0.5 / (1 + ((f - 1220) / 70) ** 2) + 0.25 / (1 + ((f - 2600) / 160) ** 2)
        x += gain * np.sin(k * phase)
    x = 0.2 * (0.55 - 0.45 * np.cos(2 * np.pi * 4 * t)) * x
    x += 0.003 * np.random.default_rng(seed).standard_normal(len(t))
    return x.astype(np.float32)


def median_seconds(work, warmup, rounds):
    times = []
    for i in range(warmup + rounds):
        t0 = time.perf_counter()
        work()
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()

    root = pathlib.Path(__file__).resolve().parents[2]
    classpath = f"{root}/cli/target/classes:{root}/cli/target/lib/*"
    java = subprocess.run(
        ["java", "-cp", classpath, "io.vocalis.cli.Vocalis", "audio", "bench", "--json",
         "--seconds", str(args.seconds), "--rounds", str(args.rounds), "--warmup", str(args.warmup)],
        check=True, capture_output=True, text=True)
    ours = json.loads(java.stdout)

    print(f"{args.seconds} s of audio per round, median of {args.rounds} rounds after {args.warmup} warm-up, one thread")
    print(f"soxr {soxr.__version__}, numpy {np.__version__}; x = multiples of real time (audio-hours per hour per core)")
    print()
    print("| work | Vocalis | soxr VHQ | soxr HQ | Vocalis / soxr VHQ |")
    print("|---|---:|---:|---:|---:|")
    for r in ours["results"]:
        if r["name"] == "preprocess":
            print(f"| preprocess: decode 16-bit stereo WAV {r['from']} Hz, mono, -> {r['to']} Hz, sha256 "
                  f"| {r['realtime']:.0f}x | | | |")
            continue
        x = speech(r["from"], args.seconds)
        vhq = median_seconds(lambda: soxr.resample(x, r["from"], r["to"], quality="VHQ"), args.warmup, args.rounds)
        hq = median_seconds(lambda: soxr.resample(x, r["from"], r["to"], quality="HQ"), args.warmup, args.rounds)
        vhq_x = args.seconds / vhq
        print(f"| resample {r['from']} -> {r['to']} Hz | {r['realtime']:.0f}x | {vhq_x:.0f}x "
              f"| {args.seconds / hq:.0f}x | {r['realtime'] / vhq_x:.2f} |")


if __name__ == "__main__":
    main()
