#!/usr/bin/env python3
"""Reference outputs for the Java resampler test (ResamplerReferenceTest), made with soxr.

The input signals are defined by formulas, mirrored exactly in ResamplerReferenceTest.signal(),
so only the reference outputs are committed: little-endian float32, one file per case, plus
cases.json describing them. Run from the repository root:

    pip install --index-url file:///opt/pypi/simple --extra-index-url file:///opt/pypi-more/simple numpy soxr
    python3 tools/reference/make_resampler_fixtures.py

Never needed at build or test time.
"""
import json
import math
import pathlib

import numpy as np
import soxr

OUT = pathlib.Path("core/src/test/resources/audio/resampler")
SECONDS = 0.5
QUALITY = "VHQ"

# (signal, from, to): every common input rate down to 16 kHz, an upsampling case, and a pair
# whose reduced ratio (16001/44100) exceeds the Java exact-phase limit (interpolated table).
CASES = [
    ("sweep", 44100, 16000), ("speech", 44100, 16000),
    ("sweep", 48000, 16000), ("speech", 48000, 16000),
    ("sweep", 22050, 16000), ("speech", 22050, 16000),
    ("sweep", 96000, 16000), ("speech", 96000, 16000),
    ("sweep", 8000, 16000), ("speech", 8000, 16000),
    ("sweep", 16000, 44100),
    ("speech", 44100, 16001),
]


def band_top(rate_from, rate_to):
    """Highest frequency in the test signals: 85% of the lower Nyquist frequency."""
    return 0.85 * min(rate_from, rate_to) / 2


def fade(t):
    """20 ms raised-cosine fade in and out, so the signal edges carry no broadband click."""
    ramp = 0.02
    w = np.ones_like(t)
    head = t < ramp
    tail = t > SECONDS - ramp
    w[head] = 0.5 * (1 - np.cos(np.pi * t[head] / ramp))
    w[tail] = 0.5 * (1 - np.cos(np.pi * (SECONDS - t[tail]) / ramp))
    return w


def sweep(t, top):
    """Exponential sine sweep from 50 Hz to the band top, amplitude 0.5."""
    f0, f1 = 50.0, top
    k = math.log(f1 / f0)
    phase = 2 * math.pi * f0 * SECONDS / k * (np.exp(t / SECONDS * k) - 1)
    return 0.5 * np.sin(phase)


def formants(f):
    out = np.zeros_like(f)
    for centre, width, gain in ((700.0, 130.0, 1.0), (1220.0, 70.0, 0.5), (2600.0, 160.0, 0.25)):
        out += gain / (1 + ((f - centre) / width) ** 2)
    return out


def speech(t, top):
    """Voiced-speech-like: harmonics of a 120 +- 30 Hz vibrato f0 under three formants, 4 Hz syllables."""
    f0 = 120 + 30 * np.sin(2 * math.pi * 3 * t)
    phase = 2 * math.pi * (120 * t + 30 / (2 * math.pi * 3) * (1 - np.cos(2 * math.pi * 3 * t)))
    total = np.zeros_like(t)
    k = 1
    while k * 150 < top:
        total += formants(k * f0) * np.sin(k * phase)
        k += 1
    syllables = 0.55 - 0.45 * np.cos(2 * math.pi * 4 * t)
    return 0.2 * syllables * total


def signal(kind, rate_from, rate_to):
    n = int(round(SECONDS * rate_from))
    t = np.arange(n, dtype=np.float64) / rate_from
    top = band_top(rate_from, rate_to)
    x = sweep(t, top) if kind == "sweep" else speech(t, top)
    return (x * fade(t)).astype(np.float32)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    cases = []
    for kind, rate_from, rate_to in CASES:
        x = signal(kind, rate_from, rate_to)
        y = soxr.resample(x.astype(np.float64), rate_from, rate_to, quality=QUALITY).astype("<f4")
        name = f"{kind}_{rate_from}_{rate_to}.f32"
        (OUT / name).write_bytes(y.tobytes())
        cases.append({"signal": kind, "from": rate_from, "to": rate_to, "seconds": SECONDS,
                      "inputSamples": len(x), "file": name, "samples": len(y)})
    meta = {"reference": f"python-soxr {soxr.__version__}, quality {QUALITY}, float64 in",
            "generator": "tools/reference/make_resampler_fixtures.py", "cases": cases}
    (OUT / "cases.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"{len(cases)} cases, {sum((OUT / c['file']).stat().st_size for c in cases)} bytes in {OUT}")


if __name__ == "__main__":
    main()
