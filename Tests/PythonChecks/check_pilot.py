"""A pilot end to end, as a benchmark team runs one, with its statistics computed again here.

In a copy of a built project with a published release:
- lm-eval's dummy model runs the release's letter-scored tasks with --log_samples, and each
  logged-samples file is imported as model `lm-eval-dummy`; importing one again changes nothing;
  a malformed line and an unknown id are refused with their line, and nothing is stored.
- 40 simulated models (a seeded 2PL over abilities, plain JSON Lines of id and choice, with
  log-likelihoods for social-value items) are imported beside it.
- `pilot report --json` is read, and checked against what is computed here from the release's
  files and the imported answers: every model's accuracy, SVA, SVA on 3 levels, the neutral-
  handling SVA and 1 - Jensen-Shannon distance (scipy, base 2) on every subset; each knowledge
  item's share right, corrected point-biserial (scipy's pointbiserialr against the share right on
  the other items), dead distractors and flags; the 2PL parameters against girth's twopl_mml
  (without its look-up table) within 0.02; the bootstrap intervals reproduced from the pipeline's
  seed by the tool's generator (SplitMix64 seeded from SHA-256 of a label) and numpy's percentiles;
  the report identical when made again; the information split's records in its file.
- `review open ROUND --pilot-flags` batches only flagged items; once reviewers approve them and the
  round closes, the pilot report, the next candidate's manifest, dataset card and build report say so.

Usage: python check_pilot.py BUILD_DATASET PROJECT VERSION
"""
import glob
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

import numpy
from girth import twopl_mml
from scipy.spatial.distance import jensenshannon
from scipy.stats import pointbiserialr

from tool_random import SplitMix64

TOLERANCE = 1e-9
IRT_TOLERANCE = 0.02
def bootstrap(values, resamples, generator):
    """The tool's percentile bootstrap of the mean."""
    n = len(values)
    means = []
    for _ in range(resamples):
        total = 0.0
        for _ in range(n):
            total += values[min(n - 1, int(generator.unit() * n))]
        means.append(total / n)
    return numpy.percentile(means, 2.5), numpy.percentile(means, 97.5)


def letter(index):
    name = ""
    index += 1
    while index > 0:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def item_scores(record, choice, loglikelihoods):
    right = float(record["answer"] is not None and letter(choice) == record["answer"])
    survey = record.get("survey")
    if survey is None:
        return {"accuracy": right}
    shares = survey["distribution"]
    scores = {"accuracy": right, "sva": shares[choice]}
    levels, collapsed = survey.get("choice_levels_3"), survey.get("distribution_3")
    if levels and collapsed:
        scores["sva_3"] = collapsed[levels[choice]]
        scores["n_sva"] = 1.0 if max(shares) <= 0.5 and levels[choice] == 1 else shares[choice]
    if loglikelihoods is not None:
        weights = numpy.exp(numpy.array(loglikelihoods) - max(loglikelihoods))
        scores["one_minus_jsd"] = 1 - jensenshannon(weights / weights.sum(), shares, base=2)
    return scores


def run(command, **kwargs):
    return subprocess.run(command, capture_output=True, text=True, **kwargs)


def main(tool, project_source, version):
    failures = 0

    def check(condition, message):
        nonlocal failures
        print(("ok   " if condition else "FAIL ") + message)
        failures += not condition

    with tempfile.TemporaryDirectory() as scratch:
        project = os.path.join(scratch, "project")
        shutil.copytree(project_source, project, symlinks=True)
        bd = lambda *arguments: run([tool, *arguments], cwd=project)
        spec_name = [line.split(":", 1)[1].strip() for line in open(os.path.join(project, "pipelines/example.yaml"), encoding="utf-8")
                     if line.startswith("name:")][0]
        seed = int([line.split(":", 1)[1].strip() for line in open(os.path.join(project, "pipelines/example.yaml"), encoding="utf-8")
                    if line.startswith("seed:")][0])
        release_name = json.load(open(glob.glob(os.path.join(project, "releases", "*", version, "manifest.json"))[0]))["name"]
        release = os.path.join(project, "releases", release_name, version)
        manifest = json.load(open(os.path.join(release, "manifest.json"), encoding="utf-8"))
        records, splits = {}, {}
        for entry in manifest["files"]:
            for line in open(os.path.join(release, entry["path"]), encoding="utf-8"):
                record = json.loads(line)
                records[record["id"]] = record
                splits[record["id"]] = entry["split"]
        test_ids = sorted(key for key, split in splits.items() if split == "test")

        # lm-eval's dummy model on the release's tasks, its logged samples imported.
        out = os.path.join(scratch, "lm-eval")
        finished = run([os.path.join(os.path.dirname(sys.executable), "lm_eval"), "--model", "dummy", "--include_path",
                        os.path.join(release, "lm_eval"), "--tasks", release_name, "--log_samples", "--output_path", out], cwd=scratch)
        if finished.returncode != 0:
            print(finished.stderr[-3000:])
            check(False, "lm_eval runs the release's tasks")
            return 1
        samples_files = sorted(glob.glob(os.path.join(out, "*", "samples_*.jsonl")))
        answers = {}  # model -> id -> (choice, loglikelihoods)
        for path in samples_files:
            imported = bd("pilot", "import", path, "--model", "lm-eval-dummy", "--release", version)
            check(imported.returncode == 0, f"import {os.path.basename(path)}: {imported.stdout.strip() or imported.stderr.strip()}")
            for line in open(path, encoding="utf-8"):
                sample = json.loads(line)
                loglikelihoods = [float(response[0]) for response in sample["filtered_resps"]]
                answers.setdefault("lm-eval-dummy", {})[sample["doc"]["id"]] = (int(numpy.argmax(loglikelihoods)), loglikelihoods)
        again = bd("pilot", "import", samples_files[0], "--model", "lm-eval-dummy", "--release", version)
        check(again.returncode == 0 and " 0 answers added, 0 replaced" in again.stdout, f"importing a file again changes nothing: {again.stdout.strip()}")

        # Bad files: refused with the line, and nothing stored.
        bad = os.path.join(scratch, "bad.jsonl")
        with open(bad, "w", encoding="utf-8") as handle:
            handle.write(json.dumps({"id": test_ids[0], "choice": "A"}) + "\n{not json\n" + json.dumps({"id": "no-such-item", "choice": "B"}) + "\n")
        refused = bd("pilot", "import", bad, "--model", "broken", "--release", version, "--partial")
        check(refused.returncode != 0 and "bad.jsonl:2" in refused.stderr and "bad.jsonl:3: 'id': unknown item id 'no-such-item'" in refused.stderr,
              f"a malformed line and an unknown id are refused with their lines: {refused.stderr.strip()[:300]}")

        # Simulated models: a seeded 2PL on knowledge items (one discriminating the wrong way, one
        # far too easy), abilities spread, choices by letter;
        # social-value items answered with log-likelihoods.
        generator = numpy.random.default_rng(7)
        knowledge = [key for key in test_ids if records[key]["task"] == "common_knowledge"]
        a = generator.uniform(0.8, 2.0, len(knowledge))
        b = generator.uniform(-1.0, 1.0, len(knowledge))
        # Two items the pilot should flag: one the weaker models get right, one nearly all do.
        a[0], b[1] = -1.5, -6.0
        for model_index in range(40):
            name = f"sim-{model_index:02d}"
            theta = generator.normal(0, 1)
            path = os.path.join(scratch, f"{name}.jsonl")
            with open(path, "w", encoding="utf-8") as handle:
                for key in test_ids:
                    record = records[key]
                    count = len(record["choices"])
                    if record["task"] == "common_knowledge":
                        index = knowledge.index(key)
                        right = generator.uniform() < 1 / (1 + math.exp(-a[index] * (theta - b[index])))
                        key_index = ord(record["answer"]) - 65
                        choice = key_index if right else int(generator.choice([i for i in range(count) if i != key_index]))
                        answers.setdefault(name, {})[key] = (choice, None)
                        handle.write(json.dumps({"id": key, "choice": letter(choice)}) + "\n")
                    else:
                        loglikelihoods = [float(x) for x in generator.normal(-1, 0.5, count)]
                        answers.setdefault(name, {})[key] = (int(numpy.argmax(loglikelihoods)), loglikelihoods)
                        handle.write(json.dumps({"id": key, "loglikelihoods": loglikelihoods}) + "\n")
            imported = bd("pilot", "import", path, "--model", name, "--release", version)
            if imported.returncode != 0:
                check(False, f"import {name}: {imported.stderr.strip()}")
        check(True, "40 simulated models imported")

        reported = bd("pilot", "report", "--release", version, "--json")
        check(reported.returncode == 0, "pilot report runs")
        if reported.returncode != 0:
            print(reported.stderr)
            return 1
        report = json.loads(reported.stdout)
        check(report["models"] == sorted(answers), f"the report has every model ({len(report['models'])})")

        # Scores, recomputed.
        mismatches = 0
        checked = 0
        for score in report["scores"]:
            def member(key):
                record = records[key]
                if record["task"] != score["task"]:
                    return False
                kind, _, value = score["subset"].partition("=")
                return kind == "all" or (kind == "subject" and record["subject"] == value) or \
                    (kind == "cultural_sensitivity" and record["cultural_sensitivity"] == value) or \
                    (kind == "language" and record["language"] == value)
            values = []
            for key, (choice, loglikelihoods) in sorted(answers[score["model"]].items()):
                if member(key):
                    metric = item_scores(records[key], choice, loglikelihoods).get(score["metric"])
                    if metric is not None:
                        values.append(metric)
            expected = sum(values) / len(values)
            checked += 1
            if len(values) != score["items"] or not math.isclose(expected, score["value"], abs_tol=TOLERANCE):
                mismatches += 1
                print(f"  {score['model']} {score['task']} {score['subset']} {score['metric']}: tool {score['value']} n={score['items']}, "
                      f"recomputed {expected} n={len(values)}")
        check(mismatches == 0, f"{checked} scores (accuracy, SVA, SVA-3, N-SVA, 1 - JSD per subset) equal to those recomputed")

        # Bootstrap intervals from the seed.
        resamples = report["resamples"]
        sampled = [score for score in report["scores"] if score["subset"] == "all"][:40]
        wrong = 0
        for score in sampled:
            values = []
            for key, (choice, loglikelihoods) in sorted(answers[score["model"]].items()):
                if records[key]["task"] == score["task"]:
                    metric = item_scores(records[key], choice, loglikelihoods).get(score["metric"])
                    if metric is not None:
                        values.append(metric)
            # The tool's order of values: items sorted by id.
            lower, upper = bootstrap(values, resamples, SplitMix64(seed, f"pilot/{score['model']}/{score['task']}/{score['subset']}/{score['metric']}"))
            # Exactly, except 1 - JSD, whose per-item values scipy computes to within a few ulps of the tool's.
            tolerance = 1e-12 if score["metric"] == "one_minus_jsd" else 0
            if not (math.isclose(lower, score["lower"], rel_tol=0, abs_tol=tolerance)
                    and math.isclose(upper, score["upper"], rel_tol=0, abs_tol=tolerance)):
                wrong += 1
                print(f"  {score['model']} {score['metric']}: tool [{score['lower']}, {score['upper']}], here [{lower}, {upper}]")
        check(wrong == 0, f"{len(sampled)} bootstrap intervals reproduced from seed {seed} ({resamples} resamples): to the last bit, "
                          "1 - JSD to 1e-12")

        # Item analysis.
        models = report["models"]
        scipy_checked, wrong = 0, 0
        for item in report["items"]:
            key = item["id"]
            record = records[key]
            key_index = ord(record["answer"]) - 65
            scores_here, rest = [], []
            for model in models:
                if key not in answers[model]:
                    continue
                own = float(answers[model][key][0] == key_index)
                others = [float(answers[model][other][0] == ord(records[other]["answer"]) - 65)
                          for other in answers[model] if other != key and records[other]["task"] == "common_knowledge"]
                if others:
                    scores_here.append(own)
                    rest.append(sum(others) / len(others))
            share = sum(scores_here) / len(scores_here)
            counts = [sum(1 for model in models if key in answers[model] and answers[model][key][0] == c) for c in range(len(record["choices"]))]
            dead = [letter(c) for c in range(len(counts)) if c != key_index and counts[c] == 0]
            if 0 < share < 1 and numpy.std(rest) > 0:
                expected = pointbiserialr(scores_here, rest).statistic
                scipy_checked += 1
                if item.get("discrimination") is None or not math.isclose(item.get("discrimination"), expected, abs_tol=1e-9):
                    wrong += 1
                    print(f"  {key}: discrimination {item['discrimination']}, scipy {expected}")
            flags = []
            if len(scores_here) >= 3:
                flags += ["too_easy"] if share >= 0.95 else []
                flags += ["too_hard"] if share <= 0.05 else []
                flags += ["negative_discrimination"] if item.get("discrimination") is not None and item.get("discrimination") < 0 else []
                flags += ["dead_distractor"] if dead else []
            if not math.isclose(item["difficulty"], share, abs_tol=TOLERANCE) or item["choice_counts"] != counts \
                    or item["dead_distractors"] != dead or item["flags"] != flags:
                wrong += 1
                print(f"  {key}: tool {item['difficulty']} {item['choice_counts']} {item['dead_distractors']} {item['flags']}, "
                      f"here {share} {counts} {dead} {flags}")
        check(wrong == 0, f"{len(report['items'])} items' share right, choices, dead distractors and flags, and {scipy_checked} "
                          "corrected point-biserials (scipy) equal")

        fitted = [item for item in report["items"] if item.get("irt") is not None]
        check(report["irt"]["fitted"] and len(fitted) >= 5, f"2PL fitted: {report['irt']['note']}")
        if fitted:
            matrix = numpy.array([[int(answers[model][item["id"]][0] == ord(records[item["id"]]["answer"]) - 65) for model in models]
                                  for item in fitted])
            girth = twopl_mml(matrix, options={"use_LUT": False})
            differences = [max(abs(item.get("irt")["a"] - a_), abs(item.get("irt")["b"] - b_))
                           for item, a_, b_ in zip(fitted, girth["Discrimination"], girth["Difficulty"])]
            check(max(differences) <= IRT_TOLERANCE,
                  f"2PL of {len(fitted)} items against girth: largest difference {max(differences):.5f} (tolerance {IRT_TOLERANCE})")

        # Made again: identical; the information split's records written.
        reported_again = bd("pilot", "report", "--release", version, "--json")
        check(reported_again.stdout == reported.stdout, "the report is identical when made again")
        folder = os.path.join(project, "build", spec_name, "pilot", f"release-{version}")
        split_file = os.path.join(folder, "information_split.jsonl")
        if report.get("information_split") is not None:
            written = [json.loads(line)["id"] for line in open(split_file, encoding="utf-8")]
            check(written == report["information_split"]["items"], f"information split: {len(written)} records written, as reported")
        check(os.path.exists(os.path.join(folder, "report.html")) and os.path.exists(os.path.join(folder, "report.json")),
              "report.json and report.html written")

        # Flagged items sent to a review round.
        flagged = {item["id"] for item in report["items"] if item["flags"]}
        opened = bd("review", "open", "fact-check", "--pilot-flags", "--release", version)
        check(opened.returncode == 0, f"review open --pilot-flags: {opened.stdout.strip().splitlines()[:2]} {opened.stderr.strip()[:300]}")
        status = json.loads(bd("pilot", "report", "--release", version, "--json").stdout)
        sent = {entry["id"] for entry in status.get("flag_reviews") or []}
        check(bool(sent) and sent <= flagged and all(entry["outcome"] == "pending" for entry in status["flag_reviews"]),
              f"{len(sent)} of {len(flagged)} flagged items batched in fact-check (the rest are not in the round), pending")

        # The round settles them; the next candidate's manifest and card say how.
        for reviewer in ("kim", "lee"):
            bd("review", "reviewers", "add", reviewer)
        assigned = bd("review", "assign", "fact-check").stdout
        for line in assigned.splitlines():
            parts = line.strip().split("\t")
            if len(parts) != 2:
                continue
            batch, reviewer = parts
            path = os.path.join(scratch, f"{batch}-{reviewer}.jsonl")
            bd("review", "export", batch, "--reviewer", reviewer, "--format", "jsonl", "-o", path)
            decided = [dict(json.loads(line), decision="approve") for line in open(path, encoding="utf-8")]
            with open(path, "w", encoding="utf-8") as handle:
                handle.write("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in decided))
            imported = bd("review", "import", path)
            if imported.returncode != 0:
                print(imported.stderr)
        closed = bd("review", "close", "fact-check")
        check(closed.returncode == 0, f"fact-check closed: {closed.stdout.strip().splitlines()[:1]}")
        status = json.loads(bd("pilot", "report", "--release", version, "--json").stdout)
        outcomes = sorted(entry["outcome"] for entry in status.get("flag_reviews") or [])
        check(outcomes == ["approved"] * len(sent), f"the pilot report says how the flagged items came out: {outcomes}")
        rebuilt = bd("run")
        check(rebuilt.returncode == 0, "the pipeline runs again")
        candidate = os.path.join(project, "build", spec_name, "release")
        pilot_review = json.load(open(os.path.join(candidate, "manifest.json"), encoding="utf-8")).get("pilot_review") or []
        flags_sent = {}
        for item in report["items"]:
            if item["id"] in sent:
                for flag in item["flags"]:
                    flags_sent[flag] = flags_sent.get(flag, 0) + 1
        check(pilot_review == [{"target": f"release {version}", "round": "fact-check", "sent": len(sent), "approved": len(sent),
                                "rejected": 0, "pending": 0, "revised": 0, "flags": flags_sent}],
              f"the candidate's manifest records the flagged items' review: {pilot_review}")
        published = bd("release", "--version", "99.0.0")
        check(published.returncode == 0, f"the candidate is published: {published.stdout.strip()} {published.stderr.strip()[:300]}")
        card = open(os.path.join(project, "releases", release_name, "99.0.0", "README.md"), encoding="utf-8").read()
        check(f"| release {version} | fact-check | {len(sent)} | {len(sent)} | 0 | 0 | 0 |" in card, "its dataset card shows the outcome")
        report_page = open(os.path.join(project, "releases", release_name, "99.0.0", "report.html"), encoding="utf-8").read()
        check(f"<tr><td>release {version}</td><td>fact-check</td><td class=\"number\">{len(sent)}</td><td class=\"number\">{len(sent)}</td>" in report_page,
              "and so does its build report")

    print(f"{failures} failed" if failures else "the pilot's figures recompute")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3]))
