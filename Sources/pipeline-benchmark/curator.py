"""What a curator writes without build-dataset, doing the same work on the same items: read the
authored-item files, normalize, drop exact and near duplicates (datasketch MinHashLSH over
character 5-grams, Jaccard 0.8, 128 permutations), sample each subject in proportion to a
total, split 5 per subject into dev and the rest into test, and write JSON Lines. Prints one
JSON line with what it did.

    python3 curator.py RAW_FOLDER OUTPUT_FOLDER [--limit N] [--total N]
"""
import argparse
import json
import os
import random
import re
import time
import unicodedata
import xml.etree.ElementTree as ElementTree

from datasketch import MinHash, MinHashLSH

NS = "{urn:build-dataset:authored-items:1}"


def read(raw, limit):
    items = []
    for name in sorted(os.listdir(raw)):
        if not (name.startswith("items-") and name.endswith(".xml")):
            continue
        language = name[len("items-"):-len(".xml")]
        for element in ElementTree.parse(os.path.join(raw, name)).getroot().iter(NS + "item"):
            items.append({
                "id": element.get("id"), "subject": element.get("subject"), "language": language,
                "question": element.findtext(NS + "question"),
                "choices": [choice.text for choice in element.iter(NS + "choice")],
                "answer": element.findtext(NS + "answer"),
            })
    items.sort(key=lambda item: int(item["id"].split("-")[1]))
    return items[:limit]


def normalize(text):
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().casefold()


def shingles(text, n=5):
    return {text[i:i + n].encode("utf-8") for i in range(max(1, len(text) - n + 1))}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("raw")
    parser.add_argument("output")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--total", type=int, default=None)
    args = parser.parse_args()
    start = time.perf_counter()
    items = read(args.raw, args.limit)
    for item in items:
        item["question"] = unicodedata.normalize("NFC", item["question"])
        item["choices"] = [unicodedata.normalize("NFC", choice) for choice in item["choices"]]
        item["key"] = normalize(item["question"] + "\n" + "\n".join(sorted(item["choices"])))

    seen, unique = set(), []
    for item in items:
        if item["key"] not in seen:
            seen.add(item["key"])
            unique.append(item)
    exact = len(items) - len(unique)

    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    kept = []
    for item in unique:
        minhash = MinHash(num_perm=128)
        minhash.update_batch(list(shingles(item["key"])))
        if lsh.query(minhash):
            continue
        lsh.insert(item["id"], minhash)
        kept.append(item)
    near = len(unique) - len(kept)

    rng = random.Random(20261201)
    by_subject = {}
    for item in kept:
        by_subject.setdefault(item["subject"], []).append(item)
    total = args.total or len(kept)
    os.makedirs(args.output, exist_ok=True)
    splits = {"dev": [], "test": []}
    for subject in sorted(by_subject):
        members = by_subject[subject]
        chosen = rng.sample(members, min(len(members), round(total * len(members) / len(kept))))
        splits["dev"] += chosen[:5]
        splits["test"] += chosen[5:]
    for split, members in splits.items():
        with open(os.path.join(args.output, split + ".jsonl"), "w", encoding="utf-8") as out:
            for item in sorted(members, key=lambda item: item["id"]):
                record = {key: value for key, value in item.items() if key != "key"}
                out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
    print(json.dumps({"items": len(items), "exact_duplicates": exact, "near_duplicates": near,
                      "dev": len(splits["dev"]), "test": len(splits["test"]), "seconds": round(time.perf_counter() - start, 2)}))


if __name__ == "__main__":
    main()
