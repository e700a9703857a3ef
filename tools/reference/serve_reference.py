#!/usr/bin/env python3
"""The prediction server a Python user would write: FastAPI + uvicorn + torch/transformers.

The reference side of `./vocalis bench infer`: it serves a Vocalis head-only model package
(model.json + model.safetensors, as a training run writes it) with the same weights, the same
encoder (a Hugging Face checkpoint through transformers, or Kaldi fbank re-derived in numpy), the
same standardisation, pooling and MLP, and answers `POST /api/v1/predict` (multipart `audio`) with
the same JSON shape as infer-service. One request, one forward pass (no micro-batching): FastAPI
runs the synchronous endpoint on its thread pool, so concurrent requests run concurrent forwards.

    tools/reference/.venv/bin/python tools/reference/serve_reference.py \
        --package DIR --name NAME [--version 1] [--port 8090] [--threads 2]

Threads: torch.set_num_threads(--threads) intra-op threads and one inter-op thread, one uvicorn
worker (as infer-service: ai.djl.pytorch.num_threads and one inter-op thread in one JVM).
`POST /admin/reload?version=N` reloads the package and swaps it in (the old model is dropped once
the requests holding it return); `GET /health` answers 200 once a model is loaded.
"""

import argparse
import hashlib
import io
import json
import threading
from pathlib import Path

import numpy as np
import soundfile
import torch
import uvicorn
from fastapi import FastAPI, File, HTTPException, Query, UploadFile
from safetensors.torch import load_file

RATE = 16000


def kaldi_fbank(wave, bins=80):
    """Vocalis' fbank encoder: 25 ms frames, 10 ms hop, DC removal, pre-emphasis 0.97, Povey
    window, 512-point power spectrum, Kaldi mel banks 20 Hz..Nyquist, log floored at float32 eps."""
    n, hop, fft = 400, 160, 512
    frames = 1 + (len(wave) - n) // hop
    if frames < 1:
        raise ValueError(f"{len(wave)} samples are shorter than one fbank frame ({n})")
    index = np.arange(n)[None, :] + hop * np.arange(frames)[:, None]
    x = wave[index].astype(np.float64)
    x -= x.mean(axis=1, keepdims=True)
    x = x - 0.97 * np.concatenate([x[:, :1], x[:, :-1]], axis=1)
    x *= (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / (n - 1))) ** 0.85
    power = np.abs(np.fft.rfft(x, n=fft)) ** 2
    energies = power @ mel_banks(bins, fft).T
    return np.log(np.maximum(energies, np.finfo(np.float32).eps)).astype(np.float32)


def mel_banks(bins, fft):
    def mel(f):
        return 1127.0 * np.log(1.0 + f / 700.0)

    low, high = mel(20.0), mel(RATE / 2)
    delta = (high - low) / (bins + 1)
    fft_mel = mel(RATE / fft * np.arange(fft // 2))
    banks = np.zeros((bins, fft // 2 + 1))
    for m in range(bins):
        left, center, right = low + m * delta, low + (m + 1) * delta, low + (m + 2) * delta
        up = (fft_mel - left) / (center - left)
        down = (right - fft_mel) / (right - center)
        banks[m, : fft // 2] = np.maximum(0.0, np.minimum(up, down))
    return banks


class Model:
    """A loaded package: encoder, head weights, thresholds."""

    def __init__(self, folder, name, version):
        folder = Path(folder)
        description = json.loads((folder / "model.json").read_text())
        head = description["head"]
        if description["encoder"]["layer"] != "last" or head["states"] != 1 or head["loss"] != "bce":
            raise ValueError("the reference serves last-state BCE heads only")
        if head["pooling"] not in ("mean", "attention"):
            raise ValueError(f"pooling {head['pooling']} is not implemented here")
        self.name, self.version = name, version
        self.features = head["features"]
        self.pooling = head["pooling"]
        self.hidden = len(head["hidden"])
        self.activation = {"relu": torch.relu, "gelu": torch.nn.functional.gelu, "tanh": torch.tanh}[head["activation"]]
        self.normalize = head["normalize"]
        self.thresholds = [description["thresholds"].get(f, 0.5) for f in self.features]
        # sigmoid(slope * z + intercept) per calibrated feature; absent (older packages): identity
        scalings = description.get("calibration", {}).get("features", {})
        self.scalings = [(scalings[f]["slope"], scalings[f]["intercept"]) if f in scalings else (1.0, 0.0)
                         for f in self.features]
        self.weights = load_file(str(folder / "model.safetensors"))
        encoder = description["encoder"]["model"]
        if encoder == "fbank":
            self.extractor, self.encoder = None, None
        else:
            from transformers import AutoFeatureExtractor, AutoModel
            self.extractor = AutoFeatureExtractor.from_pretrained(encoder)
            self.encoder = AutoModel.from_pretrained(encoder).eval()

    @torch.inference_mode()
    def predict(self, wave):
        if self.encoder is None:
            x = torch.from_numpy(kaldi_fbank(wave))
        else:
            inputs = self.extractor(wave, sampling_rate=RATE, return_tensors="pt")
            x = self.encoder(inputs.input_values).last_hidden_state[0]
        w = self.weights
        if self.normalize:
            x = (x - w["normalize.mean"][0]) / w["normalize.std"][0]
        if self.pooling == "attention":
            weights = torch.softmax(x @ w["pooling.query"] / x.shape[1] ** 0.5, dim=0)
            h = weights @ x
        else:
            h = x.mean(dim=0)
        for i in range(self.hidden):
            h = self.activation(torch.nn.functional.linear(h, w[f"layers.{i}.weight"], w[f"layers.{i}.bias"]))
        z = torch.nn.functional.linear(h, w["output.weight"], w["output.bias"])
        slope, intercept = (torch.tensor(c, dtype=z.dtype) for c in zip(*self.scalings))
        p = torch.sigmoid(slope * z + intercept).tolist()
        return {f: {"probability": p[k], "present": p[k] >= self.thresholds[k], "threshold": self.thresholds[k]}
                for k, f in enumerate(self.features)}


def app_for(args):
    app = FastAPI(title="Vocalis reference server")
    state = {"model": Model(args.package, args.name, args.version)}
    reload_lock = threading.Lock()

    @app.get("/health")
    def health():
        return {"status": "UP", "version": state["model"].version}

    @app.post("/admin/reload")
    def reload(version: int = Query(...)):
        with reload_lock:
            state["model"] = Model(args.package, args.name, version)
        return {"version": version}

    @app.post("/api/v1/predict")
    def predict(audio: UploadFile = File(...), model: str | None = None):
        served = state["model"]
        if model is not None and model != served.name:
            raise HTTPException(400, f"unknown model {model}; served: {served.name}")
        try:
            samples, rate = soundfile.read(io.BytesIO(audio.file.read()), dtype="float32", always_2d=True)
        except Exception as e:
            raise HTTPException(415, f"cannot decode the audio: {e}")
        if rate != RATE:
            raise HTTPException(415, f"the reference takes {RATE} Hz audio only, got {rate}")
        wave = np.ascontiguousarray(samples.mean(axis=1))
        try:
            features = served.predict(wave)
        except ValueError as e:
            raise HTTPException(422, str(e))
        return {"model": {"name": served.name, "version": served.version},
                "recordingId": hashlib.sha256(wave.tobytes()).hexdigest(),
                "durationSeconds": len(wave) / RATE, "features": features}

    return app


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", required=True, help="a Vocalis model package folder")
    parser.add_argument("--name", required=True)
    parser.add_argument("--version", type=int, default=1)
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    uvicorn.run(app_for(args), host="127.0.0.1", port=args.port, log_level="warning", workers=1)


if __name__ == "__main__":
    main()
