"""Runs a release's lm-evaluation-harness tasks as a user would, and checks their scores.

- Every task in the release's lm_eval folder runs with lm-eval's dummy model (random
  log-likelihoods) from a working directory outside the release, with as many few-shot examples
  as the smallest dev split holds; asking for one more must fail with lm-eval's own message.
- From lm-eval's logged samples and the release's own JSONL, the scores are computed again
  independently (scipy's Jensen-Shannon distance, base 2): accuracy by the highest
  log-likelihood, SVA (share of respondents who chose the model's option), SVA on the 3-level
  scale, and 1 - JSD against the softmax of the log-likelihoods; each sample's and each task's
  reported value must match.

Usage: python check_lm_eval.py RELEASE_DIR
"""
import glob
import importlib.util
import itertools
import json
import math
import os
import subprocess
import sys
import tempfile

import string

import numpy
from scipy.spatial.distance import jensenshannon

TOLERANCE = 1e-9


def run_lm_eval(release, tasks, shots, output, cwd):
    command = [
        os.path.join(os.path.dirname(sys.executable), "lm_eval"), "--model", "dummy", "--limit", "5",
        "--include_path", os.path.join(release, "lm_eval"), "--tasks", ",".join(tasks),
        "--num_fewshot", str(shots), "--log_samples", "--output_path", output,
    ]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True)


def check_letters(release, records):
    """The release's choice letters go A to Z, then AA, AB, ... as spreadsheet columns, and
    every record's answer is one of its choices' letters."""
    spec = importlib.util.spec_from_file_location("release_utils", os.path.join(release, "lm_eval", "utils.py"))
    utils = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(utils)
    columns = ["".join(letters) for length in (1, 2, 3) for letters in itertools.product(string.ascii_uppercase, repeat=length)]
    wrong = [index for index in (*range(2000), len(columns) - 1) if utils.letter(index) != columns[index]]
    unlettered = [key for key, record in records.items()
                  if record["answer"] is not None and record["answer"] not in utils.doc_to_choice(record)]
    print(f"choice letters: {'as spreadsheet columns' if not wrong else f'WRONG at {wrong[:5]}'}; "
          f"{len(records) - len(unlettered)} of {len(records)} answers among their choices' letters")
    return int(bool(wrong)) + len(unlettered)


def main(release):
    release = os.path.abspath(release)
    with open(os.path.join(release, "manifest.json"), encoding="utf-8") as handle:
        manifest = json.load(handle)
    name = manifest["name"]
    records = {}
    for entry in manifest["files"]:
        with open(os.path.join(release, entry["path"]), encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                records[record["id"]] = record
    dev_sizes = [entry["records"] for entry in manifest["files"] if entry["split"] == "dev"]
    shots = min(dev_sizes) if dev_sizes else 0
    tasks = sorted(os.path.basename(path)[: -len(".yaml")] for path in glob.glob(os.path.join(release, "lm_eval", "*.yaml")))
    # The release's group runs the letter-scored tasks; the rest are asked for by name.
    with open(os.path.join(release, "lm_eval", f"{name}.yaml"), encoding="utf-8") as handle:
        grouped = {line.strip()[2:] for line in handle if line.startswith("  - ")}
    requested = [name] + [task for task in tasks if task != name and task not in grouped]
    failures = check_letters(release, records)
    with tempfile.TemporaryDirectory() as elsewhere:
        finished = run_lm_eval(release, requested, shots, os.path.join(elsewhere, "out"), elsewhere)
        if finished.returncode != 0:
            print(finished.stdout[-3000:], finished.stderr[-3000:])
            print(f"lm_eval failed on {', '.join(requested)} with {shots} shots")
            return 1
        print(f"lm_eval ran {', '.join(requested)} with {shots} shots from {elsewhere}")
        if dev_sizes:
            too_many = run_lm_eval(release, [f"{name}_{entry['config']}" for entry in manifest["files"]
                                             if entry["split"] == "dev" and entry["records"] == shots][:1],
                                   shots + 1, os.path.join(elsewhere, "too-many"), elsewhere)
            refused = too_many.returncode != 0 and "exceeds the" in too_many.stderr
            failures += not refused
            print(f"{shots + 1} shots: {'refused' if refused else 'NOT REFUSED'}")

        [results_file] = glob.glob(os.path.join(elsewhere, "out", "*", "results_*.json"))
        with open(results_file, encoding="utf-8") as handle:
            results = json.load(handle)["results"]
        for samples_file in sorted(glob.glob(os.path.join(elsewhere, "out", "*", "samples_*.jsonl"))):
            task = next(t for t in sorted(tasks, key=len, reverse=True)
                        if os.path.basename(samples_file).startswith(f"samples_{t}_"))
            recomputed = {}
            with open(samples_file, encoding="utf-8") as handle:
                samples = [json.loads(line) for line in handle]
            for sample in samples:
                record = records[sample["doc"]["id"]]
                loglikelihoods = numpy.array([float(response[0]) for response in sample["filtered_resps"]])
                chosen = int(numpy.argmax(loglikelihoods))
                expected = {"acc": float(chosen == "ABCDEFGHIJKLMNOPQRSTUVWXYZ".index(record["answer"]))}
                survey = record.get("survey")
                if survey is not None:
                    shares = numpy.array(survey["distribution"])
                    model = numpy.exp(loglikelihoods - loglikelihoods.max())
                    model /= model.sum()
                    expected["sva"] = shares[chosen]
                    expected["one_minus_jsd"] = 1 - jensenshannon(model, shares, base=2)
                    if "sva_3" in sample:
                        expected["sva_3"] = survey["distribution_3"][survey["choice_levels_3"][chosen]]
                    if "sva_3" not in sample and all(r.get("survey", {}).get("choice_levels_3") for r in records.values() if r["task"] == "social_value"):
                        failures += 1
                        print(f"{task}: sva_3 missing though every item has a 3-level scale")
                for metric, value in expected.items():
                    recomputed.setdefault(metric, []).append(value)
                    if not math.isclose(sample[metric], value, abs_tol=TOLERANCE):
                        failures += 1
                        print(f"{task} {record['id']} {metric}: lm-eval {sample[metric]}, recomputed {value}")
            for metric, values in sorted(recomputed.items()):
                reported = results[task][f"{metric},none"]
                mean = sum(values) / len(values)
                status = "ok" if math.isclose(reported, mean, abs_tol=TOLERANCE) else "MISMATCH"
                failures += status != "ok"
                print(f"{task} {metric}: lm-eval {reported:.6f}, recomputed {mean:.6f} over {len(values)} samples: {status}")
    print(f"{failures} failed" if failures else "every task runs in lm-eval and its scores recompute")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
