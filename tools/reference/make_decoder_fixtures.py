#!/usr/bin/env python3
"""Tiny FLAC and G.711 files for the Java decoder tests (FlacDecoderTest, WavDecoderTest).

Each FLAC file is encoded by the reference `flac` encoder from a WAV written by libsndfile,
and that WAV is committed beside it: the Java test decodes both and wants identical samples
(the FLAC decoder also checks the MD5 that `flac` stored). The settings are chosen to reach
every part of the format: fixed and LPC predictors up to order 32, constant and verbatim
subframes, wasted bits, every stereo decorrelation mode, Rice and Rice2 residuals, 8 to 32-bit
samples, six channels, several block-size codes. The A-law / mu-law WAVs come from sox, with
sox's own 16-bit decoding beside them. Run from the repository root (needs numpy, soundfile,
flac 1.4+ and sox):

    apt-get install -y flac sox
    pip install --index-url file:///opt/pypi/simple --extra-index-url file:///opt/pypi-more/simple numpy soundfile
    python3 tools/reference/make_decoder_fixtures.py

Never needed at build or test time.
"""
import pathlib
import subprocess

import numpy as np
import soundfile as sf

OUT = pathlib.Path("core/src/test/resources/audio/decoder")


def tone_mix(n, rate, channels, noise=0.0, seed=0):
    """Deterministic speech-ish material: harmonics of 110 + 40c Hz, optional noise, per channel c."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / rate
    out = np.zeros((n, channels))
    for c in range(channels):
        for k in range(1, 20):
            out[:, c] += np.sin(2 * np.pi * k * (110 + 40 * c) * t + k + c) / k
        out[:, c] = 0.3 * out[:, c] / np.max(np.abs(out[:, c])) + noise * rng.standard_normal(n)
    return out


def flac(name, data, rate, subtype, *options):
    wav = OUT / f"{name}.wav"
    sf.write(wav, data, rate, subtype=subtype)
    subprocess.run(["flac", "--silent", "--force", *options, "-o", str(OUT / f"{name}.flac"), str(wav)], check=True)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    # 16-bit stereo, common part +- a difference that grows halfway: exhaustive search picks
    # left/side, right/side and mid/side.
    t = np.arange(4096) / 22050
    common = tone_mix(4096, 22050, 1)[:, 0]
    diff = np.where(t < t[2048], 0.002, 0.05) * np.sin(2 * np.pi * 300 * t)
    flac("stereo16_22050", np.stack([common + diff, common - diff], 1), 22050, "PCM_16", "-8", "-e", "-b", "576")
    # Independent stereo with noise, 44.1 kHz, block-size code 3.
    flac("stereo16_44100", tone_mix(2205, 44100, 2, 0.01, 2), 44100, "PCM_16", "-8", "-b", "1152")
    # 24-bit mono at 48 kHz: LPC order 26 of at most 32 (needs --lax), block-size code 7.
    flac("mono24_48000", tone_mix(4800, 48000, 1), 48000, "PCM_24", "--lax", "-8", "-l", "32", "-b", "4800")
    # 8-bit, fixed predictors only.
    flac("mono8_8000", tone_mix(800, 8000, 1, 0.01, 4), 8000, "PCM_U8", "-l", "0", "-b", "256")
    # 32-bit: Rice2 residuals.
    flac("mono32_16000", tone_mix(1600, 16000, 1, 0.001, 5), 16000, "PCM_32", "-5")
    # Wasted bits (low 4 bits zero), digital silence (constant subframes) and white noise
    # (verbatim subframes) in one 16 kHz file, block-size code 6 (an odd block size).
    n = 3000
    x = tone_mix(n, 16000, 1)[:, 0]
    x = np.round(x * 2048) * 16 / 32768
    x[1000:2000] = 0
    x[2000:] = np.random.default_rng(7).uniform(-0.99, 0.99, n - 2000)
    flac("mixed16_16000", x, 16000, "PCM_16", "-8", "-b", "250")
    # Six channels.
    flac("surround16_48000", tone_mix(960, 48000, 6), 48000, "PCM_16", "-5", "--channel-map=none")

    # G.711: sox encodes, and decodes to 16-bit PCM for comparison.
    src = OUT / "g711_source.wav"
    sf.write(src, tone_mix(400, 8000, 1), 8000, subtype="PCM_16")
    for enc, name in (("a-law", "alaw"), ("u-law", "mulaw")):
        coded = OUT / f"{name}_8000.wav"
        subprocess.run(["sox", str(src), "-e", enc, "-b", "8", str(coded)], check=True)
        subprocess.run(["sox", str(coded), "-e", "signed-integer", "-b", "16", str(OUT / f"{name}_8000_pcm16.wav")], check=True)
    src.unlink()
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"{len(list(OUT.iterdir()))} files, {total} bytes in {OUT}")


if __name__ == "__main__":
    main()
