"""Loads a published release the way its users will, and fails loudly when it cannot.

- Hugging Face `datasets`: load_dataset on the directory for each config; every split's row
  count must equal the manifest's record count, and the reviewers' votes (a list of records
  inside `review`) must come through as the JSONL file has them.
- MLCommons `mlcroissant`: croissant.json must validate, and each record set must yield as many
  records as the manifest says, each equal field by field (nested fields as sub-fields) to its
  JSON Lines record, but for the reviewers' per-vote labels, which Croissant cannot express.

Usage: python check_release.py RELEASE_DIR
"""
import json
import math
import os
import sys
import tempfile

import datasets
import mlcroissant as mlc


def main(release: str) -> int:
    release = os.path.abspath(release)
    with open(os.path.join(release, "manifest.json"), encoding="utf-8") as handle:
        manifest = json.load(handle)
    failures = 0
    cache = tempfile.mkdtemp()
    for config in sorted({entry["config"] for entry in manifest["files"]}):
        # A cache of its own: datasets may otherwise reuse what it read from an earlier folder at this path.
        loaded = datasets.load_dataset(release, config, cache_dir=cache)
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
        records = [plain(record, record_set) for record in dataset.records(record_set=record_set)]
        with open(os.path.join(release, entry["path"]), encoding="utf-8") as handle:
            expected = [without_vote_labels(json.loads(line)) for line in handle]
        differences = [f"{want['id']}: {difference}" for got, want in zip(records, expected)
                       for difference in differ(got, want, "")]
        status = "ok" if len(records) == entry["records"] and not differences else "MISMATCH"
        failures += status != "ok"
        fields = len(records[0]) if records else 0
        print(f"croissant {record_set}: {len(records)} records of {fields} fields, manifest {entry['records']}: {status}")
        for difference in differences[:10]:
            print(f"  {difference}")
    print(f"{failures} failed" if failures else "release loads with datasets and mlcroissant")
    return 1 if failures else 0


def plain(value, prefix):
    """A Croissant record as the JSON Lines record has it: field ids to names, text decoded, and
    a list of records inside a record (which mlcroissant yields beside it) put back inside."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, list):
        return [plain(element, prefix) for element in value]
    if not isinstance(value, dict):
        return value
    record = {}
    for key, element in value.items():
        path = key[len(prefix) + 1:].split("/")
        target = record
        for part in path[:-1]:
            target = target.setdefault(part, {})
        target[path[-1]] = plain(element, key)
    return record


def without_vote_labels(record):
    for vote in record["review"]["votes"]:
        del vote["labels"]
    return record


def differ(got, want, path):
    # mlcroissant yields a null record (translation on an item in its own language) as a record of nulls.
    if want is None and isinstance(got, dict) and all(value is None for value in got.values()):
        return
    if isinstance(want, dict) and isinstance(got, dict):
        for key in sorted(set(want) | set(got)):
            if key not in got or key not in want:
                yield f"{path}{key}: {'missing' if key not in got else 'not in the JSON Lines record'}"
            else:
                yield from differ(got[key], want[key], f"{path}{key}.")
    elif isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        for index, (a, b) in enumerate(zip(got, want)):
            yield from differ(a, b, f"{path}{index}.")
    elif isinstance(want, float) or isinstance(got, float):
        # pandas reads JSON numbers with a fast parser that can miss the last digit.
        if not (isinstance(got, (int, float)) and math.isclose(got, want, rel_tol=1e-12)):
            yield f"{path.rstrip('.')}: {got!r} != {want!r}"
    elif got != want:
        yield f"{path.rstrip('.')}: {got!r} != {want!r}"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
