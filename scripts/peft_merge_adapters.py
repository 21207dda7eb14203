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

With --evaluate youtube=DATA/wrench_youtube,... (one WRENCH folder per adapter, same order) the script also scores
every merge in PyTorch, the way `foundry merge evaluate` does: for each task, the accuracy on the --split split
(default test) of the merged LoRA update under the task's own classifier (BERT pooler + linear), next to the task's
own adapter and the base model with the task's classifier (LoRA off), normalized = merged / own; F1 of class 1 for
binary tasks. The rows go to --rows FILE as JSON (the same keys as `foundry merge evaluate --json`).
"""
import argparse
import json
import os
import shutil

import torch
from peft import LoraConfig, get_peft_model, set_peft_model_state_dict
from safetensors.torch import load_file, save_file
from transformers import BertForSequenceClassification, BertTokenizerFast


def read_split(folder, split):
    with open(os.path.join(folder, f"{split}.json")) as handle:
        rows = json.load(handle)
    return [row["data"]["text"] for row in rows.values()], [int(row["label"]) for row in rows.values()]


def score(peft_model, head, batches, gold):
    """Accuracy and (binary) class-1 F1 of the model with `head` as its classifier."""
    classifier = peft_model.base_model.model.classifier
    weight, bias = head
    saved = classifier.weight.data, classifier.bias.data
    classifier.weight.data, classifier.bias.data = weight, bias
    predicted = []
    with torch.no_grad():
        for batch in batches:
            predicted += peft_model(**batch).logits.argmax(-1).tolist()
    classifier.weight.data, classifier.bias.data = saved
    correct = sum(int(p == g) for p, g in zip(predicted, gold))
    result = {"accuracy": correct / len(gold)}
    if weight.shape[0] == 2:
        tp = sum(int(p == 1 and g == 1) for p, g in zip(predicted, gold))
        fp = sum(int(p == 1 and g != 1) for p, g in zip(predicted, gold))
        fn = sum(int(p != 1 and g == 1) for p, g in zip(predicted, gold))
        result["f1"] = 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--adapters", required=True, help="name=DIR,name=DIR,...")
    parser.add_argument("--weights", default=None)
    parser.add_argument("--types", default="linear,ties,svd,ties_svd,magnitude_prune,cat")
    parser.add_argument("--density", type=float, default=0.5)
    parser.add_argument("--out", required=True)
    parser.add_argument("--evaluate", default=None, help="name=WRENCH_DIR,... (one per adapter): score in PyTorch")
    parser.add_argument("--split", default="test")
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--rows", default=None, help="where the evaluation rows go (JSON; default stdout)")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    torch.manual_seed(0)
    if args.threads:
        torch.set_num_threads(args.threads)
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
    tasks = []
    if args.evaluate:
        folders = dict(item.split("=", 1) for item in args.evaluate.split(","))
        if set(folders) != set(names):
            raise SystemExit(f"--evaluate names {sorted(folders)} but the adapters are {sorted(names)}")
        peft_model.eval()
        tokenizer = BertTokenizerFast.from_pretrained(args.model)
        for name in names:
            texts, gold = read_split(folders[name], args.split)
            weight = heads[name]["base_model.model.classifier.weight"]
            bias = heads[name]["base_model.model.classifier.bias"]
            batches = [
                tokenizer(texts[i:i + 64], padding=True, truncation=True, max_length=args.max_length,
                          return_tensors="pt")
                for i in range(0, len(texts), 64)]
            tasks.append({"name": name, "head": (weight, bias), "batches": batches, "gold": gold})
        for task in tasks:
            peft_model.set_adapter(task["name"])
            task["own"] = score(peft_model, task["head"], task["batches"], task["gold"])
            with peft_model.disable_adapter():
                task["base"] = score(peft_model, task["head"], task["batches"], task["gold"])
    evaluation = []
    report = {}
    for kind in args.types.split(","):
        merged = f"merged_{kind}"
        kwargs = {}
        if kind in ("ties", "ties_svd", "magnitude_prune", "magnitude_prune_svd"):
            kwargs["density"] = args.density
        if kind == "ties" or kind == "ties_svd":
            kwargs["majority_sign_method"] = "total"
        peft_model.add_weighted_adapter(names, weights, merged, combination_type=kind, **kwargs)
        if tasks:
            peft_model.set_adapter(merged)
            rows = []
            for task in tasks:
                result = score(peft_model, task["head"], task["batches"], task["gold"])
                own, base = task["own"], task["base"]
                row = {"method": f"peft_{kind}", "task": task["name"], "merged": result["accuracy"],
                       "own": own["accuracy"], "base_with_head": base["accuracy"],
                       "normalized": result["accuracy"] / own["accuracy"] if own["accuracy"] > 0 else 0.0}
                if "f1" in result:
                    row.update({"merged_f1": result["f1"], "own_f1": own["f1"], "base_with_head_f1": base["f1"]})
                    if own["f1"] > 0:
                        row["normalized_f1"] = result["f1"] / own["f1"]
                rows.append(row)
            normalized = [row["normalized"] for row in rows]
            evaluation.append({"method": f"peft_{kind}", "mean_normalized": sum(normalized) / len(normalized),
                               "min_normalized": min(normalized), "rows": rows})
            peft_model.set_adapter(names[0])
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
    summary = {"merged": report, "weights": weights, "density": args.density}
    if tasks:
        summary["evaluation"] = {"split": args.split, "max_length": args.max_length, "methods": evaluation}
        if args.rows:
            with open(args.rows, "w") as handle:
                json.dump(summary["evaluation"], handle, indent=1, sort_keys=True)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
