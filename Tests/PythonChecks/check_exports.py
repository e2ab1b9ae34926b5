"""Loads each export of a release with the code its benchmark's users run, and compares it with
the release's own records.

- Global-MMLU: `datasets.load_dataset(<export>, <language>)` for every language config, with
  Global-MMLU's columns; lm-evaluation-harness's own Global-MMLU task template (from the
  installed lm_eval package) runs over each config with the dummy model, and its `doc_to_text`
  renders every row.
- KorNAT: the CSV files read with Python's csv module.
- GlobalOpinionQA: `options` and `selections` read with ast.literal_eval as its own code does.
- Inspect AI: every file loads with `inspect_ai.dataset.json_dataset`.

Usage: python check_exports.py RELEASE_DIR
"""
import ast
import csv
import glob
import json
import math
import os
import subprocess
import sys
import tempfile

import datasets
import jinja2
import lm_eval
import yaml
from inspect_ai.dataset import json_dataset

GLOBAL_MMLU_COLUMNS = ["sample_id", "subject", "subject_category", "question", "option_a", "option_b", "option_c", "option_d",
                       "answer", "required_knowledge", "time_sensitive", "reference", "culture", "region", "country",
                       "cultural_sensitivity_label", "is_annotated"]


def release_records(release, manifest):
    records = {}
    for entry in manifest["files"]:
        with open(os.path.join(release, entry["path"]), encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                records[record["id"]] = (record, entry["split"])
    return records


def check_global_mmlu(release, records):
    failures = 0
    folder = os.path.join(release, "exports", "global_mmlu")
    languages = sorted(os.path.basename(path) for path in glob.glob(os.path.join(folder, "*")) if os.path.isdir(path))
    template_root = os.path.join(os.path.dirname(lm_eval.__file__), "tasks", "global_mmlu", "full")
    task_names = []
    shots = None
    with tempfile.TemporaryDirectory() as tasks_dir:
        for language in languages:
            # A cache of its own: datasets may otherwise reuse what it read from an earlier folder at this path.
            loaded = datasets.load_dataset(folder, language, cache_dir=os.path.join(tasks_dir, "cache"))
            for split, rows in loaded.items():
                expected = [record for record, record_split in records.values()
                            if record_split == split and record["task"] == "common_knowledge"
                            and record["language"].split("-")[0] == language and len(record["choices"]) == 4]
                by_id = {row["sample_id"]: row for row in rows}
                same = rows.column_names == GLOBAL_MMLU_COLUMNS or sorted(rows.column_names) == sorted(GLOBAL_MMLU_COLUMNS)
                for record in expected:
                    row = by_id.get(record["id"])
                    same = same and row is not None and row["question"] == record["question"] and row["answer"] == record["answer"] \
                        and [row[f"option_{letter}"] for letter in "abcd"] == record["choices"] \
                        and row["cultural_sensitivity_label"] == record["cultural_sensitivity"]
                status = "ok" if same and len(rows) == len(expected) else "MISMATCH"
                failures += status != "ok"
                print(f"global_mmlu {language}/{split}: {len(rows)} rows, release {len(expected)}: {status}")
                if split == "dev":
                    shots = len(rows) if shots is None else min(shots, len(rows))
            template = os.path.join(template_root, language, f"_{language}_template_yaml")
            if not os.path.exists(template):
                print(f"global_mmlu {language}: lm-eval has no Global-MMLU template for this language")
                continue
            with open(template, encoding="utf-8") as handle:
                doc_to_text = yaml.safe_load(handle)["doc_to_text"]
            rendered = [jinja2.Template(doc_to_text).render(**row) for row in loaded["test"]]
            complete = all("\nD. " in text and text.endswith("Answer:") for text in rendered)
            failures += not complete
            print(f"global_mmlu {language}: lm-eval's template renders {len(rendered)} rows: {'ok' if complete else 'MISMATCH'}")
            name = f"export_global_mmlu_{language}"
            task_names.append(name)
            with open(os.path.join(tasks_dir, f"{name}.yaml"), "w", encoding="utf-8") as handle:
                handle.write(f"include: {template}\ntask: {name}\ndataset_path: {folder}\ndataset_name: {language}\n")
        if task_names:
            with tempfile.TemporaryDirectory() as elsewhere:
                command = [os.path.join(os.path.dirname(sys.executable), "lm_eval"), "--model", "dummy", "--limit", "5",
                           "--include_path", tasks_dir, "--tasks", ",".join(task_names), "--num_fewshot", str(shots or 0)]
                finished = subprocess.run(command, cwd=elsewhere, capture_output=True, text=True)
                if finished.returncode != 0:
                    print(finished.stderr[-3000:])
                failures += finished.returncode != 0
                print(f"lm-eval's Global-MMLU task over {', '.join(task_names)} with {shots or 0} shots: "
                      f"{'ok' if finished.returncode == 0 else 'FAILED'}")
    return failures


def config_of(record, records):
    """The release config of a record: its task, with its language where the task has translations."""
    parallel = {r["task"] for r, _ in records.values() if r.get("translation")}
    return f"{record['task']}_{record['language']}" if record["task"] in parallel else record["task"]


def check_kornat(release, records):
    failures = 0
    for path in sorted(glob.glob(os.path.join(release, "exports", "kornat", "*.csv"))):
        config, split = os.path.basename(path)[: -len(".csv")].rsplit("_", 1)
        with open(path, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        expected = {record["question"]: record for record, record_split in records.values()
                    if record_split == split and config_of(record, records) == config and len(record["choices"]) <= 5}
        same = len(rows) == len(expected)
        for row in rows:
            record = expected.get(row["Question"])
            choices = [row[letter] for letter in "ABCDE" if row[letter]]
            same = same and record is not None and choices == record["choices"] and row["Answer"] == record["answer"]
            if same and config.startswith("social_value"):
                shares = [float(row[f"{letter}_share"]) for letter in "ABCDE" if row[f"{letter}_share"]]
                same = shares == record["survey"]["distribution"]
        failures += not same
        print(f"kornat {os.path.basename(path)}: {len(rows)} rows, release {len(expected)}: {'ok' if same else 'MISMATCH'}")
    return failures


def check_global_opinion_qa(release, records):
    failures = 0
    prefix = "defaultdict(<class 'list'>, "
    for path in sorted(glob.glob(os.path.join(release, "exports", "global_opinion_qa", "*.jsonl"))):
        with open(path, encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle]
        same = True
        for row in rows:
            record = records[row["id"]][0]
            options = ast.literal_eval(row["options"])
            assert row["selections"].startswith(prefix) and row["selections"].endswith(")")
            selections = ast.literal_eval(row["selections"][len(prefix):-1])
            [(population, shares)] = selections.items()
            same = same and options == record["choices"] and population == record["country"] \
                and all(math.isclose(a, b) for a, b in zip(shares, record["survey"]["distribution"])) \
                and len(shares) == len(options)
        failures += not same
        print(f"global_opinion_qa {os.path.basename(path)}: {len(rows)} rows: {'ok' if same else 'MISMATCH'}")
    return failures


def check_inspect(release, records):
    failures = 0
    for path in sorted(glob.glob(os.path.join(release, "exports", "inspect", "*.jsonl"))):
        samples = list(json_dataset(path))
        same = bool(samples)
        for sample in samples:
            record = records[sample.id][0]
            same = same and sample.input == record["question"] and sample.choices == record["choices"] \
                and sample.target == record["answer"] and sample.metadata["subject"] == record["subject"]
        failures += not same
        print(f"inspect {os.path.basename(path)}: {len(samples)} samples: {'ok' if same else 'MISMATCH'}")
    return failures


def main(release):
    release = os.path.abspath(release)
    with open(os.path.join(release, "manifest.json"), encoding="utf-8") as handle:
        manifest = json.load(handle)
    records = release_records(release, manifest)
    exported = {document["path"].split("/")[1] for document in manifest["documents"] if document["path"].startswith("exports/")}
    failures = 0
    checks = {"global_mmlu": check_global_mmlu, "kornat": check_kornat, "global_opinion_qa": check_global_opinion_qa,
              "inspect": check_inspect}
    for name in sorted(exported):
        failures += checks[name](release, records)
    print(f"{failures} failed" if failures else f"every export loads and matches the release ({', '.join(sorted(exported))})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
