#!/usr/bin/env python3
"""Builds ml/src/test/resources/encoders/whisper-80/long.safetensors: the reference for a 70 s
recording on the tiny whisper-80 fixture (made by make_encoder_fixtures.py, read here as it is).

transformers' WhisperFeatureExtractor cuts everything after 30 s, so long recordings are windowed
the way Vocalis documents it: consecutive 30 s windows (0-30, 30-60, 60-70 s), each padded with
silence to 30 s and encoded alone, and of each window the frames that hold audio, counted from the
feature extractor's own attention mask (one mel frame per 160 samples begun, halved by the stride-2
convolution, rounded up), concatenated in order. Stored: `last_hidden_state` (frames x d_model)
and `valid_frames` (per window), 225 kB.

The waveform is not stored (it would be 4.5 MB): it is a formula of the sample index, computed in
float64 and rounded to float32, which WhisperParityTest computes the same way.

Run from the repository root after tools/reference/setup.sh:
    tools/reference/.venv/bin/python tools/reference/make_whisper_long_fixture.py
"""

from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file
from transformers import WhisperFeatureExtractor, WhisperForConditionalGeneration

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "ml" / "src" / "test" / "resources" / "encoders" / "whisper-80"
SAMPLE_RATE = 16000
SECONDS = 70


def long_waveform(seconds=SECONDS):
    """A gliding tone with a slow envelope and a second partial: deterministic, no random numbers."""
    t = np.arange(seconds * SAMPLE_RATE, dtype=np.float64) / SAMPLE_RATE
    glide = 2 * np.pi * (180 * t + 40 * np.sin(2 * np.pi * 0.05 * t) / (2 * np.pi * 0.05))
    envelope = 0.55 + 0.45 * np.sin(2 * np.pi * 0.37 * t)
    wave = 0.3 * envelope * np.sin(glide) + 0.08 * np.sin(2 * np.pi * 1375 * t + 0.5)
    return wave.astype(np.float32)


def main():
    torch.use_deterministic_algorithms(True)
    model = WhisperForConditionalGeneration.from_pretrained(FIXTURE).eval()
    extractor = WhisperFeatureExtractor.from_pretrained(FIXTURE)
    encoder = model.get_encoder()
    wave = long_waveform()
    window = extractor.n_samples
    last, valid = [], []
    with torch.no_grad():
        for start in range(0, len(wave), window):
            chunk = wave[start:start + window]
            inputs = extractor(chunk, sampling_rate=SAMPLE_RATE, return_tensors="pt", return_attention_mask=True)
            mel_frames = int(inputs.attention_mask.sum())
            frames = (mel_frames + 1) // 2
            out = encoder(inputs.input_features)
            last.append(out.last_hidden_state[0, :frames])
            valid.append(frames)
    tensors = {
        "last_hidden_state": torch.cat(last).float(),
        "valid_frames": torch.tensor(valid, dtype=torch.float32),
    }
    save_file({k: v.contiguous() for k, v in tensors.items()}, FIXTURE / "long.safetensors")
    print(f"{FIXTURE / 'long.safetensors'}: windows {valid}, {sum(valid)} frames")


if __name__ == "__main__":
    main()
