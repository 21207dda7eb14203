#!/usr/bin/env python3
"""Run the Python peers on the tasks `foundry bench labelmodel-robustness --dump DIR` wrote, and compare with Foundry.

    swift run -c release foundry bench labelmodel-robustness --dump /tmp/robustness > /dev/null
    ~/.foundry-peers/bin/python scripts/robustness_peers.py /tmp/robustness

Peers (set up with ../shared/bench/setup_peers.sh), configured as ../shared/bench/peers.py runs them:
snorkel MajorityLabelVoter (tie_break_policy="random", a SHA-1 hash of the row index, like Foundry's default),
snorkel LabelModel (500 epochs, lr 0.01, l2 0, seed 123, uniform class balance) and flyingsquid (binary tasks).
With a dump made with `--dev-rows N`, snorkel's LabelModel and flyingsquid also run with the class balance of each
task's dev labels (`*_dev_balance`), which is how those libraries use labelled rows.
Scores: accuracy, and F1 of the minority class on binary tasks whose minority class is rarer than 50 %.
Prints one JSON object: per-task peer scores, means, and how often Foundry's auto falls more than 1 point below the
best peer and below snorkel's majority vote.
"""
import json
import logging
import os
import sys
import warnings

import numpy as np

logging.disable(logging.WARNING)
warnings.filterwarnings("ignore")


def scores(y, pred, minority, imbalanced_binary):
    accuracy = float((pred == y).mean())
    f1 = None
    if imbalanced_binary:
        tp = int(((pred == minority) & (y == minority)).sum())
        fp = int(((pred == minority) & (y != minority)).sum())
        fn = int(((pred != minority) & (y == minority)).sum())
        f1 = 2 * tp / max(2 * tp + fp + fn, 1)
    return {"accuracy": accuracy, "minority_f1": f1}


def main(folder):
    from snorkel.labeling.model import LabelModel, MajorityLabelVoter
    from flyingsquid.label_model import LabelModel as FlyingSquid

    report = json.load(open(os.path.join(folder, "report.json")))
    results = []
    for task in report["tasks"]:
        name, k = task["name"], task["k"]
        load = lambda split, part: np.load(os.path.join(folder, f"{name}.{split}.{part}.npy")).astype(np.int64)
        L_train, L_test, y = load("train", "L"), load("test", "L"), load("test", "y")
        minority = task["minority_class"]
        imbalanced_binary = k == 2 and task["prior"][minority] < 0.5
        peer = {}
        peer["snorkel_mv"] = MajorityLabelVoter(cardinality=k).predict(L_test, tie_break_policy="random")
        lm = LabelModel(cardinality=k, verbose=False)
        lm.fit(L_train, n_epochs=500, lr=0.01, l2=0.0, seed=123, progress_bar=False)
        peer["snorkel_lm"] = lm.predict(L_test, tie_break_policy="random")
        # With --dev-rows dumps: snorkel's way to use labelled rows, the class balance they show (add-one smoothed when
        # a class is missing, as Foundry's dev prior is).
        dev_balance = None
        if os.path.exists(os.path.join(folder, f"{name}.dev.y.npy")):
            counts = np.bincount(load("dev", "y"), minlength=k).astype(float)
            counts = counts + 1 if (counts == 0).any() else counts
            dev_balance = counts / counts.sum()
            lm_dev = LabelModel(cardinality=k, verbose=False)
            lm_dev.fit(L_train, class_balance=dev_balance, n_epochs=500, lr=0.01, l2=0.0, seed=123, progress_bar=False)
            peer["snorkel_lm_dev_balance"] = lm_dev.predict(L_test, tie_break_policy="random")
        if k == 2 and L_train.shape[1] >= 3:
            signed = lambda L: np.where(L < 0, 0, np.where(L == 1, 1, -1))
            fs = FlyingSquid(L_train.shape[1])
            fs.fit(signed(L_train), verbose=False)
            peer["flyingsquid"] = (fs.predict(signed(L_test), verbose=False).reshape(-1) == 1).astype(np.int64)
            if dev_balance is not None:
                fs_dev = FlyingSquid(L_train.shape[1])
                fs_dev.fit(signed(L_train), class_balance=dev_balance, verbose=False)
                peer["flyingsquid_dev_balance"] = (fs_dev.predict(signed(L_test), verbose=False).reshape(-1) == 1).astype(np.int64)
        row = {"name": name, "peers": {p: scores(y, v, minority, imbalanced_binary) for p, v in peer.items()},
               "foundry": task["scores"]}
        results.append(row)
        print(name, file=sys.stderr)

    def summary(metric):
        below_best, below_mv, tasks, worst = 0, 0, 0, (0.0, None)
        means = {}
        for row in results:
            auto = row["foundry"].get("auto", {}).get(metric)
            peer_values = {p: s[metric] for p, s in row["peers"].items() if s[metric] is not None}
            if auto is None or not peer_values:
                continue
            tasks += 1
            best = max(peer_values.values())
            below_best += auto < best - 0.01
            below_mv += auto < peer_values["snorkel_mv"] - 0.01
            if auto - best < worst[0]:
                worst = (auto - best, row["name"])
            for p, v in list(peer_values.items()) + [("foundry_" + m, s[metric]) for m, s in row["foundry"].items()]:
                if v is not None:
                    means.setdefault(p, []).append(v)
        return {"tasks": tasks, "auto_below_best_peer_by_more_than_1pt": below_best,
                "auto_below_snorkel_mv_by_more_than_1pt": below_mv,
                "worst_auto_minus_best_peer": worst[0], "worst_task": worst[1],
                "means": {p: float(np.mean(v)) for p, v in means.items() if len(v) == tasks}}

    print(json.dumps({"folder": folder, "seed": report["seed"], "accuracy": summary("accuracy"),
                      "minority_f1": summary("minority_f1"), "tasks": results}))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
