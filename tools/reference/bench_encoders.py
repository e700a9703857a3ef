#!/usr/bin/env python3
"""Throughput of Vocalis encoders vs transformers on full-size random-weight checkpoints.

WavLM-base, HuBERT-base (10 s clips) and the Whisper-base encoder (30 s windows), batch 4, CPU
with 2 threads on both sides, end to end from waveforms (feature extractors included). Each side
and model runs in its own process so that peak memory (VmHWM) is per model. Throughput is the
best batch of the timed repeats over --rounds alternating fresh processes (means are in the JSON
lines, printed with --verbose); compare numbers only within one run: the machine is shared.

    tools/reference/setup.sh
    tools/reference/.venv/bin/python tools/reference/bench_encoders.py [--rounds 3]

The Vocalis side is `./vocalis bench encoders` (built on first use). Both sides run on the same
native allocator: --allocator both (the default) runs every model on TCMalloc (libtcmalloc-minimal4,
preloaded into Python too; ./vocalis preloads it itself) and then on glibc's malloc (VOCALIS_MALLOC=
glibc, no preload), and prints a table for each. A run where a side reports another allocator than
the one asked for stops with an error. Checkpoints are built once under tools/reference/.bench/
(git-ignored, ~1 GB).
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = Path(__file__).resolve().parent / ".bench"
MODELS = {"wavlm-base": 10.0, "hubert-base": 10.0, "whisper-base": 30.0}


def build_checkpoints(names=MODELS):
    import torch
    from transformers import (HubertConfig, HubertModel, Wav2Vec2FeatureExtractor, WavLMConfig,
                              WavLMModel, WhisperConfig, WhisperFeatureExtractor,
                              WhisperForConditionalGeneration)
    torch.manual_seed(0)
    makers = {
        "wavlm-base": lambda: (WavLMModel(WavLMConfig()), Wav2Vec2FeatureExtractor(do_normalize=False)),
        "hubert-base": lambda: (HubertModel(HubertConfig()), Wav2Vec2FeatureExtractor(do_normalize=False)),
        # openai/whisper-base: d_model 512, 6 + 6 layers, 8 heads, ffn 2048
        "whisper-base": lambda: (WhisperForConditionalGeneration(WhisperConfig(
            d_model=512, encoder_layers=6, decoder_layers=6, encoder_attention_heads=8,
            decoder_attention_heads=8, encoder_ffn_dim=2048, decoder_ffn_dim=2048)),
            WhisperFeatureExtractor()),
    }
    for name in names:
        make = makers[name]
        folder = BENCH / name
        if (folder / "config.json").exists():
            continue
        model, extractor = make()
        model.eval().save_pretrained(folder)
        extractor.save_pretrained(folder)


def waveforms(batch, seconds):
    import numpy as np
    rng = np.random.default_rng(7)
    n = int(round(seconds * 16000))
    t = np.arange(n)
    return [(0.1 * rng.standard_normal(n) + 0.3 * np.sin(t * 0.05 * (b + 1))).astype(np.float32)
            for b in range(batch)]


def measure_python(name, batch, seconds, repeats):
    import torch
    from transformers import AutoFeatureExtractor, AutoModel
    torch.set_num_threads(2)
    torch.set_num_interop_threads(1)
    folder = BENCH / name
    start = time.perf_counter()
    extractor = AutoFeatureExtractor.from_pretrained(folder)
    model = AutoModel.from_pretrained(folder).eval()
    encoder = model.get_encoder() if name.startswith("whisper") else model
    load = time.perf_counter() - start
    waves = waveforms(batch, seconds)

    def run():
        with torch.no_grad():
            if name.startswith("whisper"):
                features = extractor(waves, sampling_rate=16000, return_tensors="pt").input_features
                return encoder(features).last_hidden_state
            inputs = extractor(waves, sampling_rate=16000, return_tensors="pt", padding=True)
            return encoder(inputs.input_values).last_hidden_state

    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    allocator = "tcmalloc" if "libtcmalloc" in Path("/proc/self/maps").read_text() else "glibc"
    peak = -1.0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            peak = int(line.split()[1]) / 1024
    print(json.dumps({"side": "transformers", "model": name,
                      "audio_seconds_per_second": batch * seconds / min(times),
                      "mean_audio_seconds_per_second": batch * seconds * repeats / sum(times),
                      "peak_rss_mb": peak, "load_seconds": load, "allocator": allocator}))


def run_json(command, env=None):
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    lines = [l for l in result.stdout.splitlines() if l.startswith("{")]
    if result.returncode != 0 or not lines:
        sys.exit(f"failed: {' '.join(command)}\n{result.stdout}\n{result.stderr[-3000:]}")
    return json.loads(lines[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2,
                        help="fresh processes per side and model, alternating; the best counts")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--allocator", choices=("both", "tcmalloc", "glibc"), default="both",
                        help="native allocator of both sides; both: a table on each")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--checkpoints-only", action="store_true",
                        help="build the --models checkpoints under .bench/ and stop (./vocalis bench infer uses wavlm-base)")
    parser.add_argument("--measure-python", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_python:
        measure_python(args.measure_python, args.batch, MODELS[args.measure_python], args.repeats)
        return
    build_checkpoints(args.models.split(","))
    if args.checkpoints_only:
        return
    allocators = ("tcmalloc", "glibc") if args.allocator == "both" else (args.allocator,)
    for allocator in allocators:
        table(args, allocator)


def table(args, allocator):
    base = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    py_env = dict(base)
    if allocator == "tcmalloc":
        found = subprocess.run([str(ROOT / "tools" / "tcmalloc.sh")], capture_output=True, text=True)
        lib = found.stdout.strip()
        if found.returncode != 0 or not lib:
            sys.exit("TCMalloc is not installed (Debian: apt-get install libtcmalloc-minimal4); "
                     "use --allocator glibc")
        py_env["LD_PRELOAD"] = lib
    java_env = dict(base, VOCALIS_MALLOC=allocator)
    rows = []
    for name in args.models.split(","):
        seconds = MODELS[name]
        best = {}
        for _ in range(args.rounds):
            for side, command, side_env in (
                    ("transformers", [sys.executable, __file__, "--measure-python", name, "--batch",
                                      str(args.batch), "--repeats", str(args.repeats)], py_env),
                    ("vocalis", [str(ROOT / "vocalis"), "bench", "encoders", "--model", str(BENCH / name),
                                 "--batch", str(args.batch), "--seconds", str(seconds),
                                 "--repeats", str(args.repeats), "--threads", "2"], java_env)):
                result = run_json(command, side_env)
                if result.get("allocator") != allocator:
                    sys.exit(f"{side} ran on {result.get('allocator')}, not {allocator}: the ratio would not be like with like")
                if args.verbose:
                    print(json.dumps(result))
                previous = best.get(side)
                if previous is None or result["audio_seconds_per_second"] > previous["audio_seconds_per_second"]:
                    best[side] = result
        rows.append((name, best["transformers"], best["vocalis"]))
    print(f"Allocator on both sides: {allocator}")
    print(f"{'model':14} {'transformers a-s/s':>18} {'vocalis a-s/s':>14} {'ratio':>6}"
          f" {'peak MB py':>10} {'peak MB java':>12}")
    for name, py, java in rows:
        ratio = java["audio_seconds_per_second"] / py["audio_seconds_per_second"]
        print(f"{name:14} {py['audio_seconds_per_second']:18.2f} {java['audio_seconds_per_second']:14.2f}"
              f" {ratio:6.2f} {py['peak_rss_mb']:10.0f} {java['peak_rss_mb']:12.0f}")
    print()


if __name__ == "__main__":
    main()
