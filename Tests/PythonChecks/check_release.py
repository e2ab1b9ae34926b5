"""Loads a published release the way its users will, and fails loudly when it cannot.

- Hugging Face `datasets`: load_dataset on the directory for each config; every split's row
  count must equal the manifest's record count, and the reviewers' votes (a list of records
  inside `review`) must come through as the JSONL file has them.
- MLCommons `mlcroissant`: croissant.json must validate, and each record set must yield as many
  records as the manifest says.

Usage: python check_release.py RELEASE_DIR
"""
import json
import os
import sys

import datasets
import mlcroissant as mlc


def main(release: str) -> int:
    release = os.path.abspath(release)
    with open(os.path.join(release, "manifest.json"), encoding="utf-8") as handle:
        manifest = json.load(handle)
    failures = 0
    for config in sorted({entry["config"] for entry in manifest["files"]}):
        loaded = datasets.load_dataset(release, config)
        for entry in manifest["files"]:
            if entry["config"] != config:
                continue
            split = loaded[entry["split"]]
            rows = len(split)
            with open(os.path.join(release, entry["path"]), encoding="utf-8") as handle:
                expected_votes = [record["review"]["votes"] for record in map(json.loads, handle)]
            votes = [row["review"]["votes"] for row in split]
            status = "ok" if rows == entry["records"] and votes == expected_votes else "MISMATCH"
            failures += status != "ok"
            count = sum(map(len, votes))
            print(f"datasets {config}/{entry['split']}: {rows} rows ({count} votes), manifest {entry['records']}: {status}")

    dataset = mlc.Dataset(jsonld=os.path.join(release, "croissant.json"))
    for entry in manifest["files"]:
        record_set = entry["path"][: -len(".jsonl")]
        rows = sum(1 for _ in dataset.records(record_set=record_set))
        status = "ok" if rows == entry["records"] else "MISMATCH"
        failures += status != "ok"
        print(f"croissant {record_set}: {rows} records, manifest {entry['records']}: {status}")
    print(f"{failures} failed" if failures else "release loads with datasets and mlcroissant")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
