#!/usr/bin/env python3
"""Merge Foundry adapters with PEFT's own `add_weighted_adapter` (PyTorch), for `foundry merge evaluate --merged`.

    ~/.foundry-peers/bin/python scripts/peft_merge_adapters.py --model .models/all-MiniLM-L6-v2 \
        --adapters youtube=/tmp/a/youtube,sms=/tmp/a/sms --types linear,ties,svd --out /tmp/peft-merges
    foundry merge evaluate --tasks youtube=/tmp/a/youtube:DATA/wrench_youtube,... \
        --merged peft_linear=/tmp/peft-merges/linear,peft_ties=/tmp/peft-merges/ties,...

PEFT refuses `add_weighted_adapter` on SEQ_CLS adapters (their classifier is in `modules_to_save`; see
../shared/reference/merging/README.md), so the adapters are loaded into a PeftModel over
BertForSequenceClassification without a task type, LoRA weights only; the merged adapter is saved by PEFT's
`save_pretrained` and then given the first task's classifier, because Foundry's adapter files carry a head
(`foundry merge evaluate` puts each task's own head on it anyway). Weights default to equal weights summing to 1;
ties / magnitude_prune use --density; the SVD types keep rank max(r_i).
"""
import argparse
import json
import os
import shutil

import torch
from peft import LoraConfig, get_peft_model, set_peft_model_state_dict
from safetensors.torch import load_file, save_file
from transformers import BertForSequenceClassification


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--adapters", required=True, help="name=DIR,name=DIR,...")
    parser.add_argument("--weights", default=None)
    parser.add_argument("--types", default="linear,ties,svd,ties_svd,magnitude_prune,cat")
    parser.add_argument("--density", type=float, default=0.5)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    torch.manual_seed(0)
    entries = [item.split("=", 1) for item in args.adapters.split(",")]
    weights = [float(w) for w in args.weights.split(",")] if args.weights else [1.0 / len(entries)] * len(entries)
    model = BertForSequenceClassification.from_pretrained(args.model, num_labels=2)
    model.eval()
    peft_model = None
    heads = {}
    for name, folder in entries:
        config = json.load(open(os.path.join(folder, "adapter_config.json")))
        lora = LoraConfig(
            r=config["r"], lora_alpha=config["lora_alpha"], lora_dropout=0.0,
            target_modules=config["target_modules"], bias="none")
        if peft_model is None:
            peft_model = get_peft_model(model, lora, adapter_name=name)
        else:
            peft_model.add_adapter(name, lora)
        tensors = load_file(os.path.join(folder, "adapter_model.safetensors"))
        heads[name] = {k: v for k, v in tensors.items() if "classifier" in k}
        lora_only = {k: v for k, v in tensors.items() if "lora_" in k}
        result = set_peft_model_state_dict(peft_model, lora_only, adapter_name=name)
        missing = [k for k in result.unexpected_keys if "lora_" in k]
        if missing:
            raise SystemExit(f"{folder}: keys PEFT did not load: {missing[:3]}")
    names = [name for name, _ in entries]
    report = {}
    for kind in args.types.split(","):
        merged = f"merged_{kind}"
        kwargs = {}
        if kind in ("ties", "ties_svd", "magnitude_prune", "magnitude_prune_svd"):
            kwargs["density"] = args.density
        if kind == "ties" or kind == "ties_svd":
            kwargs["majority_sign_method"] = "total"
        peft_model.add_weighted_adapter(names, weights, merged, combination_type=kind, **kwargs)
        target = os.path.join(args.out, kind)
        staging = target + ".tmp"
        shutil.rmtree(staging, ignore_errors=True)
        peft_model.save_pretrained(staging, selected_adapters=[merged])
        saved = os.path.join(staging, merged)
        weights_file = os.path.join(saved, "adapter_model.safetensors")
        tensors = load_file(weights_file)
        tensors.update(heads[names[0]])
        save_file(tensors, weights_file, metadata={"format": "pt"})
        shutil.rmtree(target, ignore_errors=True)
        shutil.move(saved, target)
        shutil.rmtree(staging, ignore_errors=True)
        peft_model.delete_adapter(merged)
        report[kind] = target
    print(json.dumps({"merged": report, "weights": weights, "density": args.density}))


if __name__ == "__main__":
    main()
