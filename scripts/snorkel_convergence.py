#!/usr/bin/env python3
"""How snorkel's LabelModel scores as it trains longer, next to the objective value it reaches.

    ~/.foundry-peers/bin/python scripts/snorkel_convergence.py ../shared/datasets/wrench_sms ../shared/datasets/wrench_trec

snorkel 0.10 fits its moment model with Adam for a fixed number of epochs (500 by default, as
../shared/bench/peers.py runs it); Foundry's MomentMatching solves the same objective to a tolerance.
For each WRENCH-format folder and each epoch count this prints one JSON line with snorkel's test score
(accuracy; F1 of class 1 for binary tasks, as peers.py reports it) and the value of the objective
both fit: ||M o (O - mu P mu^T)||^2 + ||rowsum(mu P) - diag(O)||^2 (snorkel's loss with l2 = 0).
With `--foundry-model NAME=model.json` (written by `foundry labelmodel fit --method moments`), the same
objective is evaluated at Foundry's mu for that dataset, so the two optima can be compared directly.
"""
import argparse
import json
import logging
import os
import sys
import warnings

import numpy as np

logging.disable(logging.WARNING)
warnings.filterwarnings("ignore")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "shared", "bench"))


def objective(L, k, mu, prior):
    """snorkel's LabelModel loss without the l2 term, for mu of shape (m*k, k)."""
    n, m = L.shape
    d = m * k
    onehot = np.zeros((n, d))
    for j in range(m):
        for label in range(k):
            onehot[:, j * k + label] = L[:, j] == label
    overlap = onehot.T @ onehot / n
    mask = np.ones((d, d), dtype=bool)
    for j in range(m):
        mask[j * k:(j + 1) * k, j * k:(j + 1) * k] = False
    scaled = mu * prior
    residual = scaled @ mu.T - overlap
    first = scaled.sum(axis=1) - np.diag(overlap)
    return float((residual[mask] ** 2).sum() + (first ** 2).sum())


def main():
    from peers import load_wrench, score
    from snorkel.labeling.model import LabelModel

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+")
    parser.add_argument("--epochs", default="100,500,1000,2000,5000,20000")
    parser.add_argument("--foundry-model", action="append", default=[], metavar="NAME=PATH")
    args = parser.parse_args()
    foundry = dict(item.split("=", 1) for item in args.foundry_model)
    for folder in args.folders:
        name = os.path.basename(os.path.normpath(folder))
        data = load_wrench(folder)
        k, L_train, L_test, y_test = data["k"], data["L_train"], data["L_test"], data["y_test"]
        prior = np.full(k, 1.0 / k)
        for epochs in (int(e) for e in args.epochs.split(",")):
            model = LabelModel(cardinality=k, verbose=False)
            model.fit(L_train, n_epochs=epochs, lr=0.01, l2=0.0, seed=123, progress_bar=False)
            s = score(y_test, model.predict(L_test, tie_break_policy="random"), k)
            mu = model.mu.detach().numpy()
            print(json.dumps({"dataset": name, "method": "snorkel_lm", "epochs": epochs,
                              "test_accuracy": s["test_accuracy"], "test_f1": s["test_f1"],
                              "objective": objective(L_train, k, mu, prior)}), flush=True)
        if name in foundry:
            saved = json.load(open(foundry[name]))["model"]
            mu = np.array(saved["conditionalProbabilities"]["values"]).reshape(-1, k)
            print(json.dumps({"dataset": name, "method": "foundry_moments", "iterations": saved["iterations"],
                              "objective": objective(L_train, k, mu, np.array(saved["classBalance"]))}), flush=True)


if __name__ == "__main__":
    main()
