#!/usr/bin/env python3
"""Builds the encoder parity fixtures under ml/src/test/resources/encoders/.

Every fixture is a tiny, seeded, random-weight Hugging Face checkpoint folder (config.json,
preprocessor_config.json and the weights in one of the formats Vocalis reads) plus
`reference.safetensors`: exactly what the model received after the feature extractor (when that
differs from the waveform) and every hidden state transformers produced for each waveform run
alone (no padding, eval mode, float32). The waveforms themselves are in waveforms.safetensors
(`waveform_<k>`, 16 kHz), shared by all fixtures.

Run from the repository root after tools/reference/setup.sh:
    tools/reference/.venv/bin/python tools/reference/make_encoder_fixtures.py
The output is deterministic for a given torch/transformers version (recorded in versions.json).
"""

import json
import os
import shutil
import sys
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch
import transformers
from safetensors.torch import save_file
from transformers import (
    HubertConfig,
    HubertForCTC,
    HubertModel,
    Wav2Vec2Config,
    Wav2Vec2FeatureExtractor,
    Wav2Vec2ForPreTraining,
    Wav2Vec2Model,
    WavLMConfig,
    WavLMModel,
    WhisperConfig,
    WhisperFeatureExtractor,
    WhisperForConditionalGeneration,
)

import make_whisper_long_fixture

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "ml" / "src" / "test" / "resources" / "encoders"
SAMPLE_RATE = 16000
DURATIONS = (0.5, 0.8, 1.1)


def waveforms():
    """Three deterministic recordings of different lengths: seeded noise plus tones."""
    rng = np.random.default_rng(20261125)
    result = []
    for k, seconds in enumerate(DURATIONS):
        n = int(round(seconds * SAMPLE_RATE))
        t = np.arange(n) / SAMPLE_RATE
        tone = 0.3 * np.sin(2 * np.pi * (140 + 60 * k) * t) + 0.1 * np.sin(2 * np.pi * 1250 * t + k)
        envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 3 * t) ** 2
        noise = 0.05 * rng.standard_normal(n)
        result.append((tone * envelope + noise + 0.01 * (k + 1)).astype(np.float32))
    return result


def tiny_wav2vec2_family(cls, **overrides):
    """A tiny config with the real 7-layer conv geometry (320x downsampling) and small widths."""
    base = dict(
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        conv_dim=(16,) * 7,
        conv_kernel=(10, 3, 3, 3, 3, 2, 2),
        conv_stride=(5, 2, 2, 2, 2, 2, 2),
        num_conv_pos_embeddings=16,
        num_conv_pos_embedding_groups=4,
        vocab_size=12,
    )
    base.update(overrides)
    return cls(**base)


def randomize(model, seed):
    """Random weights everywhere, including the norms' affine parameters and running statistics."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, tensor in list(model.named_parameters()) + list(model.named_buffers()):
            if not tensor.is_floating_point():
                continue
            if "running_var" in name:
                tensor.copy_(0.5 + torch.rand_like(tensor))
            elif "weight_g" in name or "original0" in name:
                tensor.copy_(0.5 + torch.rand_like(tensor))
            elif name.endswith("embed_positions.weight"):
                continue  # Whisper's sinusoids stay as transformers made them
            elif "norm" in name and name.endswith("weight"):
                tensor.copy_(1.0 + 0.2 * torch.randn_like(tensor))
            else:
                tensor.copy_(0.2 * torch.randn_like(tensor))
    model.eval()
    return model


def legacy_state_dict(model):
    """The state dict with weight-norm keys in the pre-parametrization naming (weight_g/weight_v),
    pickled like transformers 4.x did: an OrderedDict carrying its `_metadata`."""
    state = model.state_dict()
    result = OrderedDict()
    result._metadata = state._metadata
    for key, value in state.items():
        key = key.replace("parametrizations.weight.original0", "weight_g")
        key = key.replace("parametrizations.weight.original1", "weight_v")
        result[key] = value.clone()
    return result


def save_checkpoint(model, folder, fmt):
    if fmt == "safetensors":
        model.save_pretrained(folder)
    elif fmt == "sharded":
        model.save_pretrained(folder, max_shard_size="40KB")
        assert (folder / "model.safetensors.index.json").exists(), "expected a sharded checkpoint"
    elif fmt == "bin":
        model.config.save_pretrained(folder)
        torch.save(legacy_state_dict(model), folder / "pytorch_model.bin")
    elif fmt == "sharded-bin":
        model.config.save_pretrained(folder)
        state = legacy_state_dict(model)
        names = list(state)
        weight_map = {}
        for i, part in enumerate((names[: len(names) // 2], names[len(names) // 2:])):
            shard = f"pytorch_model-0000{i + 1}-of-00002.bin"
            torch.save(OrderedDict((n, state[n]) for n in part), folder / shard)
            weight_map.update({n: shard for n in part})
        size = sum(t.numel() * t.element_size() for t in state.values())
        (folder / "pytorch_model.bin.index.json").write_text(json.dumps(
            {"metadata": {"total_size": size}, "weight_map": weight_map}, indent=2) + "\n")
    else:
        raise ValueError(fmt)
    for extra in ("generation_config.json",):
        if (folder / extra).exists():
            (folder / extra).unlink()


def wav2vec2_reference(name, model, extractor, fmt, seed):
    folder = OUT / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    randomize(model, seed)
    save_checkpoint(model, folder, fmt)
    extractor.save_pretrained(folder)
    base = model.base_model if hasattr(model, "base_model") else model
    tensors = {}
    with torch.no_grad():
        for k, wave in enumerate(waveforms()):
            inputs = extractor(wave, sampling_rate=SAMPLE_RATE, return_tensors="pt")
            out = base(inputs.input_values, output_hidden_states=True)
            if extractor.do_normalize:
                tensors[f"input_values_{k}"] = inputs.input_values[0].float()
            else:
                assert torch.equal(inputs.input_values[0], torch.from_numpy(wave))
            tensors[f"last_hidden_state_{k}"] = out.last_hidden_state[0].float()
            for i, state in enumerate(out.hidden_states):
                tensors[f"hidden_state_{k}_{i}"] = state[0].float()
    save_file({k: v.clone().contiguous() for k, v in tensors.items()}, folder / "reference.safetensors")


def whisper_reference(name, mel_bins, chunk_seconds, d_model, heads, fmt, seed, feature_frames=None):
    """feature_frames: store only the first frames of the log-mel input (the rest of the window
    is the constant floor of silence), to keep the 30 s fixture small."""
    folder = OUT / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    frames = chunk_seconds * SAMPLE_RATE // 160
    config = WhisperConfig(
        num_mel_bins=mel_bins,
        d_model=d_model,
        encoder_layers=2,
        encoder_attention_heads=heads,
        encoder_ffn_dim=2 * d_model,
        decoder_layers=1,
        decoder_attention_heads=heads,
        decoder_ffn_dim=2 * d_model,
        vocab_size=64,
        max_source_positions=frames // 2,
        max_target_positions=16,
        pad_token_id=0,
        bos_token_id=1,
        eos_token_id=2,
        decoder_start_token_id=1,
        begin_suppress_tokens=None,
    )
    model = randomize(WhisperForConditionalGeneration(config), seed)
    save_checkpoint(model, folder, fmt)
    extractor = WhisperFeatureExtractor(feature_size=mel_bins, chunk_length=chunk_seconds)
    extractor.save_pretrained(folder)
    encoder = model.get_encoder()
    tensors = {}
    with torch.no_grad():
        for k, wave in enumerate(waveforms()):
            features = extractor(wave, sampling_rate=SAMPLE_RATE, return_tensors="pt").input_features
            out = encoder(features, output_hidden_states=True)
            tensors[f"input_features_{k}"] = features[0, :, :feature_frames].float()
            tensors[f"last_hidden_state_{k}"] = out.last_hidden_state[0].float()
            for i, state in enumerate(out.hidden_states):
                tensors[f"hidden_state_{k}_{i}"] = state[0].float()
    save_file({k: v.clone().contiguous() for k, v in tensors.items()}, folder / "reference.safetensors")


class _Exploit:
    """Unpickling this runs os.system: the restricted unpickler must refuse it."""

    def __reduce__(self):
        return (os.system, ("echo pwned-by-pickle",))


def malicious_checkpoint():
    folder = OUT / "malicious-pickle"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    torch.save({"feature_projection.projection.weight": _Exploit()}, folder / "pytorch_model.bin")
    (folder / "config.json").write_text(json.dumps({"model_type": "wav2vec2"}) + "\n")


def format_checkpoint():
    """The same tensors in a torch.save zip (with a transposed view, a storage shared at an offset,
    half and bfloat16 storages) and in safetensors (contiguous), to compare the two readers."""
    folder = OUT / "formats"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    g = torch.Generator().manual_seed(11)
    base = torch.randn(4, 6, generator=g)
    shared = torch.randn(10, generator=g)
    tensors = OrderedDict(
        f32=base,
        transposed=base.t(),
        shared_tail=shared[3:9].view(2, 3),
        f16=torch.randn(3, 5, generator=g).half(),
        bf16=torch.randn(7, generator=g).bfloat16(),
        f64=torch.randn(2, 2, generator=g).double(),
        steps=torch.tensor(42),
    )
    assert not tensors["transposed"].is_contiguous()
    torch.save(tensors, folder / "pytorch_model.bin")
    save_file({k: v.contiguous().clone() for k, v in tensors.items()}, folder / "model.safetensors")


def kaldi_fbank(wave, bins=80):
    """torchaudio.compliance.kaldi.fbank(num_mel_bins=80, frame_length=25, frame_shift=10,
    use_log_fbank=True, dither=0) re-derived in numpy (float64; torchaudio is not on the index):
    snip edges, DC removal, pre-emphasis 0.97, Povey window, 512-point power spectrum, Kaldi mel
    banks from 20 Hz to Nyquist, log of energies floored at float32 epsilon."""
    n, hop, fft, rate = 400, 160, 512, SAMPLE_RATE
    frames = 1 + (len(wave) - n) // hop
    x = np.stack([wave[f * hop:f * hop + n] for f in range(frames)]).astype(np.float64)
    x -= x.mean(axis=1, keepdims=True)
    x = x - 0.97 * np.concatenate([x[:, :1], x[:, :-1]], axis=1)
    x *= (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / (n - 1))) ** 0.85
    power = np.abs(np.fft.rfft(x, n=fft)) ** 2

    def mel(f):
        return 1127.0 * np.log(1.0 + f / 700.0)

    low, high = mel(20.0), mel(rate / 2)
    delta = (high - low) / (bins + 1)
    fft_mel = mel(rate / fft * np.arange(fft // 2))
    banks = np.zeros((bins, fft // 2 + 1))
    for m in range(bins):
        left, center, right = low + m * delta, low + (m + 1) * delta, low + (m + 2) * delta
        up = (fft_mel - left) / (center - left)
        down = (right - fft_mel) / (right - center)
        banks[m, : fft // 2] = np.maximum(0.0, np.minimum(up, down))
    energies = power @ banks.T
    return np.log(np.maximum(energies, np.finfo(np.float32).eps)).astype(np.float32)


def fbank_reference():
    folder = OUT / "fbank"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    save_file({f"fbank_{k}": torch.from_numpy(kaldi_fbank(w)) for k, w in enumerate(waveforms())},
              folder / "reference.safetensors")


def main():
    torch.use_deterministic_algorithms(True)
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)

    save_file({f"waveform_{k}": torch.from_numpy(w) for k, w in enumerate(waveforms())},
              OUT / "waveforms.safetensors")
    plain = Wav2Vec2FeatureExtractor(do_normalize=False, return_attention_mask=False)
    normalizing = Wav2Vec2FeatureExtractor(do_normalize=True, return_attention_mask=True)

    # Wav2Vec2: base-like (group norm, post-LN, no conv bias), saved as ForPreTraining like
    # facebook/wav2vec2-base (prefix "wav2vec2." plus quantizer heads to ignore).
    wav2vec2_reference(
        "wav2vec2-group",
        Wav2Vec2ForPreTraining(tiny_wav2vec2_family(
            Wav2Vec2Config, feat_extract_norm="group", do_stable_layer_norm=False, conv_bias=False,
            num_codevectors_per_group=4, num_codevector_groups=2, codevector_dim=8, proj_codevector_dim=8)),
        plain, "safetensors", 1,
    )
    # Wav2Vec2: large-lv60-like (layer norm, stable pre-LN, conv bias), sharded safetensors.
    wav2vec2_reference(
        "wav2vec2-layer-stable",
        Wav2Vec2Model(tiny_wav2vec2_family(
            Wav2Vec2Config, feat_extract_norm="layer", do_stable_layer_norm=True, conv_bias=True)),
        normalizing, "sharded", 2,
    )
    # Wav2Vec2: layer norm with post-LN, odd positional kernel; legacy pytorch_model.bin.
    wav2vec2_reference(
        "wav2vec2-layer-postln",
        Wav2Vec2Model(tiny_wav2vec2_family(
            Wav2Vec2Config, feat_extract_norm="layer", do_stable_layer_norm=False, conv_bias=True,
            num_conv_pos_embeddings=15)),
        normalizing, "bin", 3,
    )
    # HuBERT: base-like, saved as ForCTC (prefix "hubert." plus lm_head), no feature-projection LN.
    wav2vec2_reference(
        "hubert-group",
        HubertForCTC(tiny_wav2vec2_family(
            HubertConfig, feat_extract_norm="group", do_stable_layer_norm=False, conv_bias=False,
            feat_proj_layer_norm=False)),
        plain, "safetensors", 4,
    )
    # HuBERT: large-like (layer norm, stable pre-LN, conv bias, feature-projection LN); legacy
    # bins, sharded.
    wav2vec2_reference(
        "hubert-layer-stable",
        HubertModel(tiny_wav2vec2_family(
            HubertConfig, feat_extract_norm="layer", do_stable_layer_norm=True, conv_bias=True,
            feat_proj_layer_norm=True)),
        normalizing, "sharded-bin", 5,
    )
    # HuBERT with a batch-normed positional convolution (no weight norm), as in mHuBERT-147.
    wav2vec2_reference(
        "hubert-batchnorm-pos",
        HubertModel(tiny_wav2vec2_family(
            HubertConfig, feat_extract_norm="group", do_stable_layer_norm=False, conv_bias=False,
            conv_pos_batch_norm=True)),
        plain, "safetensors", 6,
    )
    # WavLM: base-plus-like; few buckets so that both the exact and the log-spaced buckets and
    # the clamp at max distance are exercised on ~55 frames.
    wav2vec2_reference(
        "wavlm-group",
        WavLMModel(tiny_wav2vec2_family(
            WavLMConfig, feat_extract_norm="group", do_stable_layer_norm=False, conv_bias=False,
            num_buckets=16, max_bucket_distance=40)),
        plain, "safetensors", 7,
    )
    # WavLM: large-like (layer norm, stable pre-LN, conv bias).
    wav2vec2_reference(
        "wavlm-layer-stable",
        WavLMModel(tiny_wav2vec2_family(
            WavLMConfig, feat_extract_norm="layer", do_stable_layer_norm=True, conv_bias=True,
            num_buckets=16, max_bucket_distance=40)),
        normalizing, "safetensors", 8,
    )
    # Whisper: 80 mel bins with the real 30 s window; 128 mel bins (large-v3-like) on a 4 s window.
    whisper_reference("whisper-80", 80, 30, 16, 2, "safetensors", 9, feature_frames=128)
    whisper_reference("whisper-128", 128, 4, 32, 4, "safetensors", 10)
    make_whisper_long_fixture.main()  # the 70 s windowing reference on whisper-80

    malicious_checkpoint()
    format_checkpoint()
    fbank_reference()
    (OUT / "versions.json").write_text(json.dumps(
        {"torch": torch.__version__, "transformers": transformers.__version__,
         "numpy": np.__version__, "python": sys.version.split()[0]}, indent=2) + "\n")
    total = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    print(f"fixtures in {OUT}: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
