#!/usr/bin/env python3
"""LoRA parity fixture: a PEFT adapter on the tiny HuBERT fixture and what transformers + PEFT compute.

Writes ml/src/test/resources/training/peft-wavlm/: adapter_config.json and
adapter_model.safetensors exactly as `PeftModel.save_pretrained` writes them (random, non-zero
lora_A and lora_B, so the adapters matter), and reference.safetensors with `last_hidden_state_<k>`
of the adapted model for each waveform of ../encoders/waveforms.safetensors run alone (eval,
float32). The Java test loads the adapter into Vocalis's LoRA and must reproduce these states,
which checks the PEFT layout (names, shapes, scaling alpha / r) both ways.

HuBERT, not WavLM: transformers' WavLMAttention passes the q/k/v/out projection weights straight
to F.multi_head_attention_forward, so PEFT's LoRA layers on those modules are never called there
(an adapter on WavLM attention is a silent no-op in Python; its feed-forward layers work).

Run from the repository root after tools/reference/setup.sh (plus `pip install peft`):
    tools/reference/.venv/bin/python tools/reference/make_lora_fixture.py
"""

import json
import shutil
from pathlib import Path

import peft
import torch
import transformers
from peft import LoraConfig, get_peft_model
from safetensors.torch import load_file, save_file
from transformers import HubertModel

ROOT = Path(__file__).resolve().parents[2]
ENCODERS = ROOT / "ml" / "src" / "test" / "resources" / "encoders"
OUT = ROOT / "ml" / "src" / "test" / "resources" / "training" / "peft-hubert"


def main():
    torch.manual_seed(7)
    torch.set_num_threads(1)
    model = HubertModel.from_pretrained(ENCODERS / "hubert-group").eval()
    config = LoraConfig(r=2, lora_alpha=6, lora_dropout=0.0, target_modules=["q_proj", "v_proj", "out_proj", "intermediate_dense", "output_dense"],
                        init_lora_weights=False)
    tuned = get_peft_model(model, config).eval()
    if OUT.exists():
        shutil.rmtree(OUT)
    tuned.save_pretrained(OUT)
    waves = load_file(ENCODERS / "waveforms.safetensors")
    reference = {}
    with torch.no_grad():
        for k in range(3):
            wave = waves[f"waveform_{k}"]
            out = tuned(input_values=wave.unsqueeze(0))
            reference[f"last_hidden_state_{k}"] = out.last_hidden_state[0].contiguous()
    save_file(reference, OUT / "reference.safetensors")
    (OUT / "versions.json").write_text(json.dumps({"torch": torch.__version__, "transformers": transformers.__version__,
                                                    "peft": peft.__version__}) + "\n")
    # the README PEFT writes next to adapters is not needed; the base path is made relative
    (OUT / "README.md").unlink(missing_ok=True)
    adapter_config = json.loads((OUT / "adapter_config.json").read_text())
    adapter_config["base_model_name_or_path"] = "ml/src/test/resources/encoders/hubert-group"
    (OUT / "adapter_config.json").write_text(json.dumps(adapter_config, indent=2, sort_keys=True) + "\n")
    print("wrote", OUT, sorted(p.name for p in OUT.iterdir()))


if __name__ == "__main__":
    main()
