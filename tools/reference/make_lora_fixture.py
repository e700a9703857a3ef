#!/usr/bin/env python3
"""LoRA parity fixtures: PEFT adapters on the tiny HuBERT and Whisper fixtures and what transformers + PEFT compute.

Writes ml/src/test/resources/training/peft-hubert/: adapter_config.json and
adapter_model.safetensors exactly as `PeftModel.save_pretrained` writes them (random, non-zero
lora_A and lora_B, so the adapters matter), and reference.safetensors with `last_hidden_state_<k>`
of the adapted model for each waveform of ../encoders/waveforms.safetensors run alone (eval,
float32). The Java test loads the adapter into Vocalis's LoRA and must reproduce these states,
which checks the PEFT layout (names, shapes, scaling alpha / r) both ways.

HuBERT, not WavLM: transformers' WavLMAttention passes the q/k/v/out projection weights straight
to F.multi_head_attention_forward, so PEFT's LoRA layers on those modules are never called there
(an adapter on WavLM attention is a silent no-op in Python; its feed-forward layers work).

Writes ml/src/test/resources/training/peft-whisper/ the same way for the tiny Whisper fixture
(whisper-80: 80 mel bins, 30 s window) loaded as `WhisperModel` (what AutoModel gives, and what
Vocalis's PEFT export names: `encoder.layers.<i>...`), the adapter on the encoder's q/k/v/out
projections and fc1/fc2, listed by full module name so the decoder (same short names) gets none;
reference.safetensors holds `last_hidden_state_<k>`, the frames that hold audio
(ceil(samples / 320)) of the encoder's output for each waveform alone.

Run from the repository root after tools/reference/setup.sh (plus `pip install peft`):
    tools/reference/.venv/bin/python tools/reference/make_lora_fixture.py
"""

import json
import math
import shutil
from pathlib import Path

import peft
import torch
import transformers
from peft import LoraConfig, get_peft_model
from safetensors.torch import load_file, save_file
from transformers import HubertModel, WhisperFeatureExtractor, WhisperModel

ROOT = Path(__file__).resolve().parents[2]
ENCODERS = ROOT / "ml" / "src" / "test" / "resources" / "encoders"
TRAINING = ROOT / "ml" / "src" / "test" / "resources" / "training"


def main():
    hubert(TRAINING / "peft-hubert")
    whisper(TRAINING / "peft-whisper")


def hubert(out_dir):
    torch.manual_seed(7)
    torch.set_num_threads(1)
    model = HubertModel.from_pretrained(ENCODERS / "hubert-group").eval()
    config = LoraConfig(r=2, lora_alpha=6, lora_dropout=0.0, target_modules=["q_proj", "v_proj", "out_proj", "intermediate_dense", "output_dense"],
                        init_lora_weights=False)
    tuned = get_peft_model(model, config).eval()
    waves = load_file(ENCODERS / "waveforms.safetensors")
    reference = {}
    with torch.no_grad():
        for k in range(3):
            wave = waves[f"waveform_{k}"]
            out = tuned(input_values=wave.unsqueeze(0))
            reference[f"last_hidden_state_{k}"] = out.last_hidden_state[0].contiguous()
    write(tuned, reference, out_dir, "hubert-group")


def whisper(out_dir):
    torch.manual_seed(11)
    torch.set_num_threads(1)
    base = ENCODERS / "whisper-80"
    model = WhisperModel.from_pretrained(base).eval()
    layers = model.config.encoder_layers
    targets = [f"encoder.layers.{i}.{m}" for i in range(layers)
               for m in ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.out_proj", "fc1", "fc2"]]
    config = LoraConfig(r=2, lora_alpha=3, lora_dropout=0.0, target_modules=targets, init_lora_weights=False)
    tuned = get_peft_model(model, config).eval()
    adapted = [n for n, m in tuned.named_modules() if hasattr(m, "lora_A")]
    assert len(adapted) == len(targets) and all(".encoder." in n for n in adapted), adapted
    extractor = WhisperFeatureExtractor.from_pretrained(base)
    waves = load_file(ENCODERS / "waveforms.safetensors")
    reference = {}
    with torch.no_grad():
        for k in range(3):
            wave = waves[f"waveform_{k}"]
            features = extractor(wave.numpy(), sampling_rate=16000, return_tensors="pt").input_features
            out = tuned.get_base_model().encoder(input_features=features)
            frames = math.ceil(wave.numel() / 320)
            reference[f"last_hidden_state_{k}"] = out.last_hidden_state[0, :frames].contiguous()
    write(tuned, reference, out_dir, "whisper-80")


def write(tuned, reference, out_dir, base):
    """The adapter as PEFT saves it, the reference states, versions; the base path made relative."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    tuned.save_pretrained(out_dir)
    save_file(reference, out_dir / "reference.safetensors")
    (out_dir / "versions.json").write_text(json.dumps({"torch": torch.__version__, "transformers": transformers.__version__,
                                                        "peft": peft.__version__}) + "\n")
    # the README PEFT writes next to adapters is not needed
    (out_dir / "README.md").unlink(missing_ok=True)
    adapter_config = json.loads((out_dir / "adapter_config.json").read_text())
    adapter_config["base_model_name_or_path"] = f"ml/src/test/resources/encoders/{base}"
    if isinstance(adapter_config.get("target_modules"), list):
        adapter_config["target_modules"] = sorted(adapter_config["target_modules"])
    (out_dir / "adapter_config.json").write_text(json.dumps(adapter_config, indent=2, sort_keys=True) + "\n")
    print("wrote", out_dir, sorted(p.name for p in out_dir.iterdir()))


if __name__ == "__main__":
    main()
