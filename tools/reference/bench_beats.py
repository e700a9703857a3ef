#!/usr/bin/env python3
"""Throughput of the Vocalis BEATs encoder on a full-size random-weight checkpoint, beside WavLM-base.

No transformers implementation of BEATs exists, so the comparison is with the same transformer
shapes through Vocalis's WavLM path: BEATs-iter3 (12 layers, 768 wide, 12 heads, ffn 3072,
gated relative position bias, deep norm) turns 10 s into 62 time patches x 8 = 496 tokens;
WavLM-base (the same transformer sizes) turns 10 s into 499 frames. Batch 4 of 10 s clips,
2 threads, end to end from waveforms, alternating fresh processes (--rounds), the best counts.

    tools/reference/setup.sh
    tools/reference/.venv/bin/python tools/reference/bench_beats.py [--rounds 3]

The BEATs checkpoint is written with torch.save in the released layout ({'cfg': ..., 'model':
state_dict}, the cfg of BEATs_iter3) under tools/reference/.bench/beats-base/ (git-ignored); the
WavLM-base one is bench_encoders.py's.
"""

import argparse
import json
import sys

from bench_encoders import BENCH, ROOT, build_checkpoints, run_json

CFG = {  # BEATs_iter3(+) as released (microsoft/unilm beats/), dropout values irrelevant here
    "encoder_layers": 12, "encoder_embed_dim": 768, "encoder_ffn_embed_dim": 3072,
    "encoder_attention_heads": 12, "activation_fn": "gelu", "dropout": 0.0, "attention_dropout": 0.0,
    "activation_dropout": 0.0, "encoder_layerdrop": 0.05, "dropout_input": 0.0, "layer_norm_first": False,
    "conv_bias": False, "conv_pos": 128, "conv_pos_groups": 16, "relative_position_embedding": True,
    "num_buckets": 320, "max_distance": 800, "gru_rel_pos": True, "deep_norm": True, "input_patch_size": 16,
    "layer_wise_gradient_decay_ratio": 0.6, "embed_dim": 512, "finetuned_model": False,
    "predictor_dropout": 0.0, "predictor_class": 527,
}


def build_beats():
    import torch
    folder = BENCH / "beats-base"
    target = folder / "beats-base.pt"
    if target.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    g = torch.Generator().manual_seed(0)
    c, e, f, h = CFG["encoder_embed_dim"], CFG["embed_dim"], CFG["encoder_ffn_embed_dim"], CFG["encoder_attention_heads"]

    def w(*shape):
        return torch.randn(*shape, generator=g) * 0.02

    sd = {"patch_embedding.weight": w(e, 1, 16, 16), "layer_norm.weight": torch.ones(e),
          "layer_norm.bias": torch.zeros(e), "post_extract_proj.weight": w(c, e), "post_extract_proj.bias": w(c),
          "encoder.pos_conv.0.bias": w(c), "encoder.pos_conv.0.weight_g": torch.ones(1, 1, CFG["conv_pos"]),
          "encoder.pos_conv.0.weight_v": w(c, c // CFG["conv_pos_groups"], CFG["conv_pos"])}
    table = w(CFG["num_buckets"], h)
    for i in range(CFG["encoder_layers"]):
        p = f"encoder.layers.{i}."
        for proj in ("k_proj", "v_proj", "q_proj", "out_proj"):
            sd[p + f"self_attn.{proj}.weight"] = w(c, c)
            sd[p + f"self_attn.{proj}.bias"] = w(c)
        sd[p + "self_attn.grep_a"] = torch.ones(1, h, 1, 1)
        sd[p + "self_attn.grep_linear.weight"] = w(8, c // h)
        sd[p + "self_attn.grep_linear.bias"] = w(8)
        sd[p + "self_attn.relative_attention_bias.weight"] = table  # shared, as the reference shares it
        for norm in ("self_attn_layer_norm", "final_layer_norm"):
            sd[p + norm + ".weight"] = torch.ones(c)
            sd[p + norm + ".bias"] = torch.zeros(c)
        sd[p + "fc1.weight"], sd[p + "fc1.bias"] = w(f, c), w(f)
        sd[p + "fc2.weight"], sd[p + "fc2.bias"] = w(c, f), w(c)
    sd["encoder.layer_norm.weight"], sd["encoder.layer_norm.bias"] = torch.ones(c), torch.zeros(c)
    torch.save({"cfg": CFG, "model": sd}, target)
    return folder


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    build_checkpoints()
    models = {"beats-base": build_beats(), "wavlm-base": BENCH / "wavlm-base"}
    best = {}
    for _ in range(args.rounds):
        for name, folder in models.items():
            result = run_json([str(ROOT / "vocalis"), "bench", "encoders", "--model", str(folder), "--batch",
                               str(args.batch), "--seconds", str(args.seconds), "--repeats", str(args.repeats),
                               "--threads", "2"])
            print(json.dumps(dict(result, checkpoint=name)))
            if name not in best or result["audio_seconds_per_second"] > best[name]["audio_seconds_per_second"]:
                best[name] = result
    print(f"{'model':12} {'vocalis a-s/s':>14} {'peak MB':>8} {'load s':>7}")
    for name, r in best.items():
        print(f"{name:12} {r['audio_seconds_per_second']:14.2f} {r['peak_rss_mb']:8.0f} {r['load_seconds']:7.2f}")
    print(f"ratio beats/wavlm: {best['beats-base']['audio_seconds_per_second'] / best['wavlm-base']['audio_seconds_per_second']:.2f}")


if __name__ == "__main__":
    sys.exit(main())
