#!/usr/bin/env python3
"""Threshold curve of a detector run: reads results.jsonl of a run made with a very low --score-threshold (every
class's best score and every box survive) and truth.tsv (what a person sees in each photo, in COCO names), and
prints, per threshold, what a run at that threshold would have written.

A run at threshold t keeps exactly the labels and boxes scoring >= t of the low-threshold run: NMS is per class and
greedy from the best box down, so boxes under t never suppress boxes over it (given --max-detections large enough).

usage: curve.py RESULTS.jsonl TRUTH.tsv [--top-k 5] [--from 0.05] [--to 0.40] [--step 0.01]
"""
import argparse
import json
import sys


def load_truth(path):
    truth = {}
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        cols = (line.split("\t") + ["", ""])[:3]
        split = lambda s: {c.strip() for c in s.split(",") if c.strip()}
        truth[cols[0]] = (split(cols[1]), split(cols[2]))
    return truth


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("truth")
    ap.add_argument("--top-k", type=int, default=5, help="labels kept per image in the run being simulated")
    ap.add_argument("--from", dest="lo", type=float, default=0.05)
    ap.add_argument("--to", dest="hi", type=float, default=0.40)
    ap.add_argument("--step", type=float, default=0.01)
    a = ap.parse_args()

    truth = load_truth(a.truth)
    records = {}
    for line in open(a.results, encoding="utf-8"):
        r = json.loads(line)
        name = r["path"].replace("\\", "/").split("/")[-1]
        if r.get("error"):
            sys.exit(f"{name}: {r['error']}")
        records[name] = r
    missing = sorted(set(truth) - set(records))
    if missing:
        sys.exit(f"no result for {len(missing)} photos of the truth file, e.g. {missing[:3]}")
    extra = sorted(set(records) - set(truth))
    if extra:
        print(f"note: {len(extra)} results without truth are ignored, e.g. {extra[:3]}", file=sys.stderr)

    names = sorted(truth)
    dogs = [n for n in names if "dog" in truth[n][0]]
    not_dogs = [n for n in names if "dog" not in truth[n][0] and "wolf-fox" not in truth[n][1]]
    print(f"{len(names)} photos: {len(dogs)} with a dog, {len(not_dogs)} without a dog, wolf or fox; top-k {a.top_k}")
    print()
    print("| threshold | 狗 found in dog photos | non-dog photos tagged 狗 | photos with no label | labels per photo | label precision | label recall | boxes per photo | boxes of a class not there |")
    print("|---|---|---|---|---|---|---|---|---|")
    steps = int(round((a.hi - a.lo) / a.step)) + 1
    for i in range(steps):
        t = round(a.lo + i * a.step, 4)
        labels = {n: [l for l in records[n]["labels"] if l["score"] >= t][: a.top_k] for n in names}
        zh = {n: {l["label"] for l in labels[n]} for n in names}
        en = {n: {l["label_en"] for l in labels[n]} for n in names}
        found = sum("狗" in zh[n] for n in dogs)
        false_dog = sum("狗" in zh[n] for n in not_dogs)
        empty = sum(not labels[n] for n in names)
        given = sum(len(en[n]) for n in names)
        right = sum(len(en[n] & (truth[n][0] | truth[n][1])) for n in names)
        wanted = sum(len(truth[n][0]) for n in names)
        hit = sum(len(en[n] & truth[n][0]) for n in names)
        boxes = [o for n in names for o in (records[n]["objects"] or []) if o["score"] >= t]
        wrong_boxes = sum(1 for n in names for o in (records[n]["objects"] or [])
                          if o["score"] >= t and o["label_en"] not in truth[n][0] | truth[n][1])
        pct = lambda k, n: f"{100 * k / n:.0f} % ({k}/{n})" if n else "-"
        print(f"| {t:.2f} | {pct(found, len(dogs))} | {pct(false_dog, len(not_dogs))} | {empty} of {len(names)} "
              f"| {given / len(names):.1f} | {pct(right, given)} | {pct(hit, wanted)} | {len(boxes) / len(names):.1f} | {pct(wrong_boxes, len(boxes))} |")


if __name__ == "__main__":
    main()
