#!/usr/bin/env python3
"""The PyTorch + PEFT peer of `foundry bench serve`: mixed-adapter batches with `adapter_names=` in forward.

Issue 20 asks Foundry's multi-adapter serving to reach 2x the throughput of PEFT's mixed-adapter batches on the same
texts, adapters and batch composition, 2 threads each. This script is that peer:

    PY=~/.foundry-peers/bin/python
    $PY scripts/peft_mixed_batch.py --make-adapters /tmp/adapters --count 100 --seed 0
    $PY scripts/peft_mixed_batch.py --model .models/all-MiniLM-L6-v2 --adapters /tmp/adapters --count 10 \
        --wrench ../shared/datasets/wrench_youtube --requests 512 --batch-size 32 --threads 2

Workload: request i is text i (the texts repeated in order until --requests) and goes to adapter i % N (uniform
round-robin over the first N adapter subfolders, sorted by name); batches are B consecutive requests; each batch is
one forward of the PeftModel with `adapter_names=[...]` (one name per row). All N adapters are loaded once
(`PeftModel.from_pretrained` then `load_adapter` per folder) before anything is timed. The timed region of one run is
every batch's tokenization (padding to the batch's longest text, truncation at --max-length), forward and softmax,
as Foundry's bench times a request from its texts to its probabilities.

Heads: Foundry's adapters carry their classifier under `modules_to_save` (`base_model.model.classifier.*`).
`head_mode` "peft" means PEFT itself switches the classifier per row (ModulesToSaveWrapper's mixed-batch forward,
BertForSequenceClassification's pooler + each row's own classifier); that needs every adapter to use the `cls` head.
Adapters with the `mean` head (safetensors metadata `foundry.head_pooling`) run in head_mode "manual": the encoder
runs with `adapter_names=`, then the script mean-pools and applies each row's own head itself.

Output: one JSON object on stdout (texts per second per run, their median, versions, threads, CPU).

`--foundry-predictions FILE,...` (one `foundry predict --json` output per adapter, in adapter order, on the same texts
file) compares every request's probabilities from the first run with Foundry's for that text and adapter, and reports
the largest absolute difference (`foundry_max_abs_diff`); with N > 1 this checks the mixed batches row by row.

`--make-adapters DIR --count N --seed S` writes N random but deterministic adapters in Foundry's PEFT layout
(`adapter-000`, `adapter-001`, ...; rank 8, alpha 16, query + value, a 2-class `cls` head, small random non-zero
lora_B so that every adapter differs), for when Foundry's own generator is not at hand.
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import time

# The peer must never reach the network: the model and adapters are local folders.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402
from safetensors import safe_open  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

HIDDEN = 384
LAYERS = 6
POOLING_KEY = "foundry.head_pooling"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def adapter_config(rank, alpha):
    """adapter_config.json as Foundry's `LoRAAdapter.peftFiles` writes it (query + value targets)."""
    return {
        "alpha_pattern": {}, "base_model_name_or_path": "sentence-transformers/all-MiniLM-L6-v2", "bias": "none",
        "fan_in_fan_out": False, "inference_mode": True, "init_lora_weights": True, "layers_pattern": None,
        "layers_to_transform": None, "lora_alpha": float(alpha), "lora_dropout": 0.0,
        "modules_to_save": ["classifier"], "peft_type": "LORA", "r": rank, "rank_pattern": {}, "revision": None,
        "target_modules": ["query", "value"], "task_type": "SEQ_CLS", "use_dora": False, "use_rslora": False,
    }


def make_adapters(directory, count, seed, rank=8, alpha=16.0, classes=2):
    """Writes `count` deterministic random adapters into `directory` (each one atomically, by renaming its folder)."""
    os.makedirs(directory, exist_ok=True)
    generator = torch.Generator().manual_seed(seed)
    names = []
    width = max(3, len(str(count - 1)))
    for index in range(count):
        tensors = {}
        for layer in range(LAYERS):
            for module in ("query", "value"):
                prefix = f"base_model.model.bert.encoder.layer.{layer}.attention.self.{module}"
                # lora_A as PEFT initialises it (kaiming-uniform bound 1/sqrt(in)); lora_B small but not zero.
                bound = 1.0 / HIDDEN ** 0.5
                down = (torch.rand(rank, HIDDEN, generator=generator) * 2 - 1) * bound
                up = torch.randn(HIDDEN, rank, generator=generator) * 0.02
                tensors[f"{prefix}.lora_A.weight"] = down.contiguous()
                tensors[f"{prefix}.lora_B.weight"] = up.contiguous()
        tensors["base_model.model.classifier.weight"] = torch.randn(classes, HIDDEN, generator=generator) * 0.2
        tensors["base_model.model.classifier.bias"] = torch.randn(classes, generator=generator) * 0.1
        name = f"adapter-{index:0{width}d}"
        target = os.path.join(directory, name)
        staging = os.path.join(directory, f".{name}.tmp")
        shutil.rmtree(staging, ignore_errors=True)
        os.makedirs(staging)
        with open(os.path.join(staging, "adapter_config.json"), "w") as handle:
            json.dump(adapter_config(rank, alpha), handle, indent=2, sort_keys=True)
        save_file(tensors, os.path.join(staging, "adapter_model.safetensors"),
                  metadata={"format": "pt", POOLING_KEY: "cls"})
        for file in os.listdir(staging):  # safetensors writes 0600; the adapters are shared (server, peers)
            os.chmod(os.path.join(staging, file), 0o644)
        shutil.rmtree(target, ignore_errors=True)
        os.rename(staging, target)
        names.append(name)
    return names


def adapter_folders(directory, count):
    names = sorted(
        entry for entry in os.listdir(directory)
        if not entry.startswith(".") and os.path.isfile(os.path.join(directory, entry, "adapter_config.json")))
    if len(names) < count:
        raise SystemExit(f"{directory} holds {len(names)} adapters (subfolders with adapter_config.json); "
                         f"--count asks for {count}")
    return [(name, os.path.join(directory, name)) for name in names[:count]]


def read_adapter_head(folder):
    """The head's pooling (`cls` or `mean`), weight and bias as stored in the adapter's safetensors file."""
    path = os.path.join(folder, "adapter_model.safetensors")
    with safe_open(path, "pt") as handle:
        metadata = handle.metadata() or {}
        keys = set(handle.keys())
        weight_key = next((k for k in ("base_model.model.classifier.weight",
                                       "base_model.model.classifier.modules_to_save.default.weight") if k in keys), None)
        bias_key = next((k for k in ("base_model.model.classifier.bias",
                                     "base_model.model.classifier.modules_to_save.default.bias") if k in keys), None)
        if weight_key is None or bias_key is None:
            raise SystemExit(f"{path}: no classifier head (base_model.model.classifier.weight/.bias)")
        weight, bias = handle.get_tensor(weight_key), handle.get_tensor(bias_key)
    return metadata.get(POOLING_KEY, "cls"), weight.float(), bias.float()


def read_texts(args):
    if args.texts:
        with open(args.texts, encoding="utf-8") as handle:
            texts = [line.rstrip("\n") for line in handle if line.strip()]
    else:
        with open(os.path.join(args.wrench, "test.json"), encoding="utf-8") as handle:
            rows = json.load(handle)
        texts = [row["data"]["text"] for row in rows.values()]
    if not texts:
        raise SystemExit("no texts to classify")
    return texts


def load_model(args, adapters):
    from peft import PeftModel
    from transformers import AutoTokenizer, BertForSequenceClassification, logging as hf_logging

    hf_logging.set_verbosity_error()  # the base classifier is deliberately uninitialised: each adapter brings its own
    heads = {name: read_adapter_head(folder) for name, folder in adapters}
    classes = {weight.shape[0] for _, weight, _ in heads.values()}
    if len(classes) != 1:
        raise SystemExit(f"the adapters' heads have different class counts {sorted(classes)}; PEFT needs one")
    base = BertForSequenceClassification.from_pretrained(args.model, num_labels=classes.pop())
    base.eval()
    first_name, first_folder = adapters[0]
    model = PeftModel.from_pretrained(base, first_folder, adapter_name=first_name, is_trainable=False)
    for name, folder in adapters[1:]:
        model.load_adapter(folder, adapter_name=name, is_trainable=False)
    model.eval()
    # Check PEFT loaded each adapter's own head into its modules_to_save copy (not the random base classifier).
    wrapper = model.base_model.model.classifier
    for name, (_, weight, bias) in heads.items():
        loaded = wrapper.modules_to_save[name]
        if not (torch.equal(loaded.weight.data, weight) and torch.equal(loaded.bias.data, bias)):
            raise SystemExit(f"PEFT did not load {name}'s classifier head from its safetensors file")
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    return model, tokenizer, heads


def make_classifier(model, heads, names, head_mode):
    """A function from (tokenized batch, per-row adapter names) to per-row probabilities."""
    if head_mode == "peft":
        def classify(encoded, row_adapters):
            logits = model(**encoded, adapter_names=row_adapters).logits
            return torch.softmax(logits, dim=-1)
        return classify

    index = {name: i for i, name in enumerate(names)}
    weights = torch.stack([heads[name][1] for name in names])  # adapters x classes x hidden
    biases = torch.stack([heads[name][2] for name in names])
    poolings = [heads[name][0] for name in names]
    bert = model.base_model.model.bert

    def classify(encoded, row_adapters):
        rows = torch.tensor([index[name] for name in row_adapters])
        with model._enable_peft_forward_hooks(adapter_names=row_adapters):
            output = bert(**encoded)
        states, mask = output.last_hidden_state, encoded["attention_mask"].unsqueeze(-1).to(torch.float32)
        mean = (states * mask).sum(1) / mask.sum(1)
        pooled = torch.stack([mean[r] if poolings[rows[r]] == "mean" else output.pooler_output[r]
                              for r in range(len(row_adapters))])
        logits = torch.einsum("bh,bkh->bk", pooled, weights[rows]) + biases[rows]
        return torch.softmax(logits, dim=-1)
    return classify


def run_once(classify, tokenizer, requests, row_adapters, batch_size, max_length, keep=False):
    probabilities = []
    start = time.perf_counter()
    with torch.inference_mode():
        for first in range(0, len(requests), batch_size):
            encoded = tokenizer(requests[first:first + batch_size], padding=True, truncation=True,
                                max_length=max_length, return_tensors="pt")
            result = classify(encoded, row_adapters[first:first + batch_size])
            if keep:
                probabilities.extend(result.tolist())
    return time.perf_counter() - start, probabilities


def compare_with_foundry(paths, probabilities, text_count):
    """Largest absolute difference from `foundry predict --json` outputs, one per adapter (in adapter order) on the
    same texts: request i (text i % texts, adapter i % N) is compared with row i % texts of file i % N."""
    predictions = []
    for path in paths:
        with open(path) as handle:
            rows = json.load(handle)["predictions"]
        if len(rows) < min(text_count, len(probabilities)):
            raise SystemExit(f"{path}: {len(rows)} predictions, fewer than the {text_count} texts")
        predictions.append(rows)
    worst = 0.0
    for index, ours in enumerate(probabilities):
        theirs = predictions[index % len(paths)][index % text_count]["probabilities"]
        if len(ours) != len(theirs):
            raise SystemExit(f"{paths[index % len(paths)]}: class counts differ ({len(theirs)} vs {len(ours)})")
        worst = max(worst, max(abs(a - b) for a, b in zip(ours, theirs)))
    return {"foundry_predictions": paths, "foundry_compared_rows": len(probabilities), "foundry_max_abs_diff": worst}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="HF folder of all-MiniLM-L6-v2")
    parser.add_argument("--adapters", help="folder whose subfolders are PEFT adapters")
    parser.add_argument("--count", type=int, default=1, help="adapters used (the first N subfolders, sorted)")
    parser.add_argument("--texts", help="one text per line")
    parser.add_argument("--wrench", help="a WRENCH folder (texts from test.json, data.text)")
    parser.add_argument("--requests", type=int, default=512)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--head-mode", choices=["auto", "peft", "manual"], default="auto",
                        help="auto: PEFT switches heads per row when every adapter has the cls head")
    parser.add_argument("--foundry-predictions", metavar="FILE[,FILE...]",
                        help="`foundry predict --json` outputs on the same texts, one per adapter: compare")
    parser.add_argument("--make-adapters", metavar="DIR", help="write --count random adapters here and exit")
    args = parser.parse_args()
    if args.count < 1 or args.requests < 1 or args.batch_size < 1 or args.threads < 1 or args.repeats < 1:
        parser.error("--count, --requests, --batch-size, --threads and --repeats must be positive")

    if args.make_adapters:
        names = make_adapters(args.make_adapters, args.count, args.seed)
        print(json.dumps({"made": len(names), "directory": os.path.abspath(args.make_adapters), "seed": args.seed,
                          "rank": 8, "alpha": 16.0, "targets": ["query", "value"], "classes": 2, "head": "cls",
                          "first": names[0], "last": names[-1]}))
        return
    if not args.model or not args.adapters:
        parser.error("--model and --adapters are required (or --make-adapters DIR)")
    if bool(args.texts) == bool(args.wrench):
        parser.error("give exactly one of --texts FILE and --wrench DIR")
    if args.foundry_predictions and len(args.foundry_predictions.split(",")) != args.count:
        parser.error("--foundry-predictions needs one file per adapter (--count of them)")

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    import peft
    import transformers

    adapters = adapter_folders(args.adapters, args.count)
    names = [name for name, _ in adapters]
    load_start = time.perf_counter()
    model, tokenizer, heads = load_model(args, adapters)
    load_seconds = time.perf_counter() - load_start
    all_cls = all(heads[name][0] == "cls" for name in names)
    head_mode = args.head_mode
    if head_mode == "auto":
        head_mode = "peft" if all_cls else "manual"
    if head_mode == "peft" and not all_cls:
        raise SystemExit("head mode peft needs every adapter to use the cls head (BERT pooler + linear)")
    classify = make_classifier(model, heads, names, head_mode)

    texts = read_texts(args)
    requests = [texts[i % len(texts)] for i in range(args.requests)]
    row_adapters = [names[i % len(names)] for i in range(args.requests)]

    load_before = os.getloadavg()
    runs = []
    probabilities = []
    for repetition in range(args.warmup + args.repeats):
        keep = repetition == 0
        seconds, kept = run_once(classify, tokenizer, requests, row_adapters, args.batch_size, args.max_length, keep)
        if keep:
            probabilities = kept
        if repetition >= args.warmup:
            runs.append({"seconds": seconds, "texts_per_second": args.requests / seconds})
    report = {
        "peer": "pytorch+peft",
        "torch": torch.__version__,
        "peft": peft.__version__,
        "transformers": transformers.__version__,
        "threads": args.threads,
        "adapters": len(names),
        "requests": args.requests,
        "batch_size": args.batch_size,
        "max_length": args.max_length,
        "texts_per_second_median": statistics.median(run["texts_per_second"] for run in runs),
        "runs": runs,
        "warmup": args.warmup,
        "head_mode": head_mode,
        "assignment": "round-robin: request i goes to adapter i % N (uniform); batches of B consecutive requests",
        "timed": "per batch: tokenization (pad to the batch's longest, truncate at max_length), one forward with "
                 "adapter_names=, softmax; adapter loading excluded",
        "load_seconds": load_seconds,
        "distinct_texts": len(texts),
        "cpu": cpu_model(),
        # The machines are shared: 1-minute load averages before and after the timed runs say how busy it was.
        "load_average_before": round(load_before[0], 2),
        "load_average_after": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
    }
    if args.foundry_predictions:
        report.update(compare_with_foundry(args.foundry_predictions.split(","), probabilities, len(texts)))
    print(json.dumps(report))


if __name__ == "__main__":
    sys.exit(main())
