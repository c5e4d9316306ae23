"""Fidelity of one run against a reference run, image for image: top-1 equal, top-5 overlap, largest difference of
the top-1 probability. Usage: compare-runs.py REFERENCE/results.jsonl OTHER/results.jsonl"""
import json, sys

def load(path):
    return {r["path"]: r for r in map(json.loads, open(path, encoding="utf-8"))}

ref, other = load(sys.argv[1]), load(sys.argv[2])
common = [p for p in ref if p in other and not ref[p]["error"] and not other[p]["error"]]
top1 = sum(ref[p]["labels"][0]["id"] == other[p]["labels"][0]["id"] for p in common)
overlap = [len({l["id"] for l in ref[p]["labels"][:5]} & {l["id"] for l in other[p]["labels"][:5]}) / 5 for p in common]
diff = max((abs(ref[p]["labels"][0]["score"] - other[p]["labels"][0]["score"]) for p in common
            if ref[p]["labels"][0]["id"] == other[p]["labels"][0]["id"]), default=0)
print(json.dumps({"images": len(common), "top1_equal": top1, "top1_equal_share": round(top1 / max(1, len(common)), 4),
                  "top5_overlap_mean": round(sum(overlap) / max(1, len(overlap)), 4), "max_top1_probability_difference": round(diff, 5)}))
