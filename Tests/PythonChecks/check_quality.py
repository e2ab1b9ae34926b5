"""Checks the quality dossier against the released files, with the field's own packages.

A copy of the example gets an e-mail address in one authored question and is reviewed by three
reviewers who disagree now and then (seeded votes), then built. Every figure of the candidate's
quality.json is recomputed here from the released records (and the build's set-aside files for
the funnel): Krippendorff's alpha (the krippendorff package) and its seeded bootstrap interval
drawn as the tool draws it; Gwet's AC1 and Fleiss' kappa with standard errors (irrCAC); the
answer-position chi-square (scipy) and the Vendi score per subject (vendi-score, translations left out) on Jaccard
similarities of character shingles computed here; shares, authorship and personal data. The card
and report.html must show the same numbers, and `release` must refuse the candidate because the
example's pipeline makes the personal-data check blocking.

Usage: python check_quality.py BUILD_DATASET SCRATCH_DIR
"""
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import csv
import unicodedata
from collections import Counter, defaultdict

import krippendorff
import numpy
import pandas
import yaml
from irrCAC.raw import CAC
from scipy import stats
from vendi_score import vendi

from tool_random import SplitMix64

FAILURES = []


def check(condition, message):
    if not condition:
        FAILURES.append(message)
        print("FAIL:", message)


def close(a, b, tolerance=1e-9):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tolerance


def nominal_alpha(matrix):
    """Krippendorff's alpha, nominal, of raters x units (None missing); None where undefined."""
    coincidence = defaultdict(float)
    for unit in zip(*matrix):
        values = [v for v in unit if v is not None]
        m = len(values)
        if m < 2:
            continue
        counts = Counter(values)
        for c, nc in counts.items():
            for k, nk in counts.items():
                coincidence[(c, k)] += (nc * (nc - 1) if c == k else nc * nk) / (m - 1)
    marginals = defaultdict(float)
    for (c, _), value in coincidence.items():
        marginals[c] += value
    n = sum(marginals.values())
    if n <= 1:
        return None
    observed = sum(v for (c, k), v in coincidence.items() if c != k) / n
    expected = sum(marginals[c] * marginals[k] for c in marginals for k in marginals if c != k) / (n * (n - 1))
    if expected <= 0:
        return None
    return 1 - observed / expected


def alpha_interval(matrix, seed, label):
    """The tool's percentile bootstrap of alpha: units drawn with replacement, 1000 times."""
    generator = SplitMix64(seed, label)
    units = len(matrix[0])
    alphas = []
    for _ in range(1000):
        draw = [generator.below(units) for _ in range(units)]
        value = nominal_alpha([[row[i] for i in draw] for row in matrix])
        if value is not None:
            alphas.append(value)
    if len(alphas) * 2 < 1000:
        return None
    alphas.sort()

    def quantile(p):
        return alphas[min(len(alphas) - 1, max(0, math.floor(p * (len(alphas) - 1) + 0.5)))]
    return [quantile(0.025), quantile(0.975)]


def comparison_key(text):
    """The tool's comparison key: NFKC, full case folding, NFKC; punctuation and white space runs to one space."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    out, pending = [], False
    for char in folded:
        if char.isspace() or unicodedata.category(char) in ("Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po"):
            pending = bool(out)
            continue
        if pending:
            out.append(" ")
            pending = False
        out.append(char)
    return "".join(out)


def shingles(record, n):
    key = comparison_key("\n".join([record["question"]] + sorted(record["choices"])))
    if not key:
        return set()
    width = min(n, len(key))
    return {key[i:i + width] for i in range(len(key) - width + 1)}


def jaccard(a, b):
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


PATTERNS = {
    "resident_registration_number": re.compile(r"(?<![0-9])[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[- ]?[1-8][0-9]{6}(?![0-9])"),
    "phone": re.compile(r"(?<![0-9])(\+82[- ]?0?1[016789]|01[016789]|0[2-6][0-9]?|\+[1-9][0-9]{0,2}[- ][0-9]{1,4})[- .)]?[0-9]{3,4}[- .][0-9]{4}(?![0-9])"),
    "email": re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"),
}


def run(tool, project, *arguments, ok=True):
    result = subprocess.run([tool, *arguments], cwd=project, capture_output=True, text=True)
    if ok and result.returncode != 0:
        raise SystemExit(f"{' '.join(arguments)} failed:\n{result.stderr}")
    return result


def review(tool, project):
    """Three reviewers and a lead; votes that mostly agree with a seeded truth."""
    chooser = random.Random(20261202)
    for reviewer in ("kim", "lee", "park"):
        run(tool, project, "review", "reviewers", "add", reviewer)
    run(tool, project, "review", "reviewers", "add", "han", "--role", "lead")
    truth = {}
    for round_name in ("fact-check", "cultural-labels"):
        run(tool, project, "review", "open", round_name)
        assigned = run(tool, project, "review", "assign", round_name).stdout
        for line in assigned.splitlines():
            parts = line.strip().split("\t")
            if len(parts) != 2:
                continue
            batch, reviewer = parts
            path = os.path.join(project, f"{batch}-{reviewer}.jsonl")
            run(tool, project, "review", "export", batch, "--reviewer", reviewer, "--format", "jsonl", "-o", path)
            lines = [json.loads(text) for text in open(path, encoding="utf-8")]
            for entry in lines:
                if round_name == "fact-check":
                    entry["decision"] = "approve" if chooser.random() < 0.85 else "reject"
                    if entry["decision"] == "reject":
                        entry["reason"] = "the key looks wrong"
                    continue
                entry["decision"] = "approve"
                sensitive = truth.setdefault(entry["item_id"], chooser.random() < 0.3)
                if chooser.random() < 0.15:
                    sensitive = not sensitive
                entry["labels"] = {"required_knowledge": ["cultural"] if sensitive else ["none"],
                                   "time_sensitive": chooser.random() < 0.1, "country": "KR"}
            with open(path, "w", encoding="utf-8") as handle:
                handle.write("".join(json.dumps(entry, ensure_ascii=False) + "\n" for entry in lines))
            run(tool, project, "review", "import", path)
        run(tool, project, "review", "close", round_name, ok=False)


def main(tool, scratch):
    project = os.path.join(scratch, "quality")
    shutil.rmtree(project, ignore_errors=True)
    os.makedirs(project)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for folder in ("pipelines", "raw"):
        shutil.copytree(os.path.join(root, folder), os.path.join(project, folder))
    items_file = os.path.join(project, "raw/items/korean-knowledge.xml")
    text = open(items_file, encoding="utf-8").read()
    marked = "신라가 삼국을 통일하는 과정에서 당나라 군대를 몰아낸 전쟁은?"
    check(marked in text, "the example's authored question to mark is there")
    open(items_file, "w", encoding="utf-8").write(text.replace(marked, marked[:-1] + " (문의: curator@example.org)?"))

    run(tool, project, "run")
    review(tool, project)
    run(tool, project, "run")
    candidate = os.path.join(project, "build/example/release")
    dossier = json.load(open(os.path.join(candidate, "quality.json"), encoding="utf-8"))
    manifest = json.load(open(os.path.join(candidate, "manifest.json"), encoding="utf-8"))
    records = []
    for entry in manifest["files"]:
        with open(os.path.join(candidate, entry["path"]), encoding="utf-8") as handle:
            records += [json.loads(line) for line in handle]
    records.sort(key=lambda record: record["id"])
    count = len(records)
    checks = {entry["name"]: entry for entry in dossier["checks"]}
    check(dossier["items"] == count, f"items {dossier['items']} vs {count} released records")

    # Shares over the released records.
    def share(predicate):
        return sum(1 for record in records if predicate(record)) / count

    def complete(record):
        keyed = record.get("survey") is not None if record["task"] == "social_value" else record.get("answer") is not None
        return bool(record["question"]) and len(record["choices"]) >= 2 and keyed and record["source"]["document"] and record["source"].get("license")
    expected = {
        "completeness": share(complete),
        "label_completeness": share(lambda r: r["cultural_sensitivity"] != "-"),
        "consistency": 1.0,
        "review_accuracy": share(lambda r: r["review"]["status"] == "approved"),
        "timeliness": share(lambda r: r.get("time_sensitive") is True),
        "contamination": None,
        "quota_balance": None,
        "pilot_follow_up": None,
    }
    # Representativeness: each item's respondents per weighting level, before weighting, and its
    # unweighted distribution, recomputed from the raw tallies; after weighting against the census.
    questionnaire = yaml.safe_load(open(os.path.join(project, "raw/survey/questionnaire.yaml"), encoding="utf-8"))
    tallies = defaultdict(list)
    with open(os.path.join(project, "raw/survey/tallies.csv"), encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            tallies[row["question"]].append(row)
    by_id = {record["id"]: record for record in records}
    weighting = dossier["survey_weighting"]
    check(sorted(row["item"] for row in weighting) == sorted(r["id"] for r in records if r["task"] == "social_value"),
          "a weighting row per released social-value item")
    largest_after = None
    for row in weighting:
        question = by_id[row["item"]]["source"]["element"]
        spec = next(q for q in questionnaire["questions"] if q["id"] == question)
        codes = [option["code"] for option in questionnaire["scales"][spec["scale"]]["options"]]
        rows = tallies[question]
        substantive = [sum(float(r["count"]) for r in rows if r["option"] == code) for code in codes]
        check(all(close(a, b / sum(substantive), 1e-6) for a, b in zip(row["unweighted"], substantive)),
              f"{row['item']}: unweighted distribution {row['unweighted']} from the tallies")
        total = sum(float(r["count"]) for r in rows)
        for dimension in questionnaire["dimensions"]:
            margins = [m for m in row["margins"] if m["dimension"] == dimension]
            check(close(sum(m["population"] for m in margins), 1, 1e-5), f"{row['item']}: {dimension} population shares sum to 1")
            for m in margins:
                share = sum(float(r["count"]) for r in rows if r[dimension] == m["level"]) / total
                check(close(m["unweighted"], share, 1e-6), f"{row['item']}: {dimension} {m['level']} before weighting {m['unweighted']} vs {share}")
        gap = max(abs(m["weighted"] - m["population"]) for m in row["margins"])
        largest_after = gap if largest_after is None else max(largest_after, gap)
    expected["representativeness"] = largest_after

    # Personal data: the planted address, and nothing else in the example.
    found = []
    for record in records:
        for field, value in (("question", record["question"]), ("choices", "\n".join(record["choices"]))):
            for kind, pattern in PATTERNS.items():
                if pattern.search(value):
                    found.append({"item": record["id"], "kind": kind, "field": field})
    found.sort(key=lambda entry: (entry["item"], ["question", "choices"].index(entry["field"])))
    check(dossier["personal_data"] == found, f"personal data {dossier['personal_data']} vs {found}")
    check(any(entry["kind"] == "email" for entry in found), "the planted address is found")
    flagged = sorted(r["id"] for r in records if "personal_data" in r["flags"])
    check(flagged == sorted({entry["item"] for entry in found}), f"validation flagged {flagged} for review")
    expected["identifiability"] = len({entry["item"] for entry in found}) / count

    # Answer positions: chi-square against an even spread (scipy).
    balance = []
    by_subject = defaultdict(list)
    for record in records:
        if record["task"] == "common_knowledge" and record.get("answer") and not record.get("translation"):
            by_subject[record["subject"]].append(record)
    for subject in sorted(by_subject):
        members = by_subject[subject]
        sizes = Counter(len(r["choices"]) for r in members)
        k = max(sizes.items(), key=lambda entry: (entry[1], -entry[0]))[0]
        counts = [0] * k
        for r in members:
            if len(r["choices"]) == k and len(r["answer"]) == 1 and ord(r["answer"]) - 65 < k:
                counts[ord(r["answer"]) - 65] += 1
        statistic, p_value = stats.chisquare(counts)
        balance.append((subject, counts, statistic, p_value))
    check(len(balance) == len(dossier["answer_balance"]), "a balance row per subject")
    for (subject, counts, statistic, p_value), row in zip(balance, dossier["answer_balance"]):
        check(row["subject"] == subject and row["counts"] == counts, f"answer counts of {subject}")
        check(close(row["chi_square"], statistic) and close(row["p_value"], p_value, 1e-12), f"chi-square of {subject}: {row} vs {statistic}, {p_value}")
    expected["answer_balance"] = min(entry[3] for entry in balance)

    # Diversity: Vendi (vendi-score) of each subject over Jaccard similarities of 5-character shingles.
    # Translations left out: they repeat their items' content in another language.
    strata = defaultdict(list)
    own_strata = defaultdict(list)
    for record in records:
        strata[f"{record['task']}/{record['subject']}"].append(record)
        if not record.get("translation"):
            own_strata[f"{record['task']}/{record['subject']}"].append(record)
    rows = {row["stratum"]: row for row in dossier["diversity"]}
    check(sorted(rows) == sorted(own_strata), "a diversity row per subject")
    lowest = None
    for stratum, members in own_strata.items():
        sets = [shingles(r, 5) for r in members]
        n = len(sets)
        matrix = numpy.array([[jaccard(a, b) for b in sets] for a in sets])
        score = float(vendi.score_K(matrix))
        templated = sum(1 for i in range(n) if any(matrix[i][j] >= dossier["template_similarity"] for j in range(n) if j != i))
        row = rows.get(stratum, {})
        check(row.get("measured") == n and close(row.get("vendi"), score, 1e-9), f"Vendi of {stratum}: {row.get('vendi')} vs vendi-score {score}")
        check(row.get("templated") == templated, f"templated items of {stratum}: {row.get('templated')} vs {templated}")
        if n >= 2:
            lowest = score / n if lowest is None else min(lowest, score / n)
    expected["diversity"] = lowest

    # Agreement: alpha (krippendorff), its bootstrap drawn as the tool draws, AC1 and Fleiss (irrCAC).
    seed = 20260115
    for line in open(os.path.join(project, "pipelines/example.yaml"), encoding="utf-8"):
        if line.startswith("seed:"):
            seed = int(line.split(":")[1].split("#")[0])
    lowest_alpha = None
    rows = dossier["agreement"]
    check(len(rows) > 0, "agreement rows on the reviewed candidate")
    for row in rows:
        round_name, variable = row["round"], row["agreement"]["variable"]
        units = []
        for record in records:
            votes = [v for v in record["review"]["votes"] if v["round"] == round_name and not v["adjudication"]]
            unit = []
            for vote in votes:
                if variable == "decision":
                    value = vote["decision"]
                elif variable == "cultural_sensitivity":
                    knowledge = [label["value"] for label in vote["labels"] if label["name"] == "required_knowledge"]
                    value = None if not knowledge else ("CS" if set(knowledge) & {"cultural", "regional", "dialect"} else "CA")
                else:
                    value = next((label["value"].lower() for label in vote["labels"] if label["name"] == variable), None)
                if value is not None:
                    unit.append((vote["reviewer"], value))
            units.append(unit)
        pairable = [unit for unit in units if len(unit) >= 2]
        reviewers = sorted({reviewer for unit in pairable for reviewer, _ in unit})
        matrix = [[next((v for r, v in unit if r == reviewer), None) for unit in pairable] for reviewer in reviewers]
        measured = row["agreement"]
        check(measured["items"] == len(pairable), f"{round_name} {variable}: items {measured['items']} vs {len(pairable)}")
        alpha = nominal_alpha(matrix)
        values = sorted({v for unit in pairable for _, v in unit})
        if alpha is not None and len(values) > 1:
            coded = [[numpy.nan if v is None else values.index(v) for v in line] for line in matrix]
            reference = krippendorff.alpha(reliability_data=coded, level_of_measurement="nominal")
            check(close(alpha, reference, 1e-12), f"the check's own alpha agrees with the krippendorff package ({alpha} vs {reference})")
        check(close(measured.get("alpha_nominal"), alpha, 1e-12), f"{round_name} {variable}: alpha {measured.get('alpha_nominal')} vs {alpha}")
        if alpha is not None:
            interval = alpha_interval(matrix, seed, f"quality agreement\u001f{round_name}\u001f{variable}")
            got = measured.get("alpha_nominal_interval")
            check(got is not None and interval is not None and all(close(a, b, 1e-12) for a, b in zip(got, interval)),
                  f"{round_name} {variable}: alpha interval {got} vs {interval} drawn here")
            if variable in ("decision", "cultural_sensitivity"):
                lowest_alpha = alpha if lowest_alpha is None else min(lowest_alpha, alpha)
        frame = pandas.DataFrame([[dict(unit).get(reviewer) for reviewer in reviewers] for unit in pairable])
        if len(values) > 1:
            gwet = CAC(frame, digits=15).gwet()["est"]
            fleiss = CAC(frame, digits=15).fleiss()["est"]
            check(close(measured["ac1"]["value"], gwet["coefficient_value"], 1e-9) and close(measured["ac1"]["standard_error"], gwet["se"], 1e-9),
                  f"{round_name} {variable}: AC1 {measured['ac1']} vs irrCAC {gwet}")
            check(close(measured["fleiss_generalized"]["value"], fleiss["coefficient_value"], 1e-9)
                  and close(measured["fleiss_generalized"]["standard_error"], fleiss["se"], 1e-9),
                  f"{round_name} {variable}: Fleiss {measured['fleiss_generalized']} vs irrCAC {fleiss}")
    expected["agreement"] = lowest_alpha

    # Authorship per subject.
    for row in dossier["authorship"]:
        members = strata[row["stratum"]]
        authors = Counter(r["source"].get("author") or f"source:{r['source']['source_id']}" for r in members)
        check(row["authors"] == dict(authors), f"authors of {row['stratum']}")
        check(row["generated"] == sum("generated" in r["flags"] for r in members), f"generated items of {row['stratum']}")
        check(row["revised"] == sum(r["review"]["version"] > 1 for r in members), f"revised items of {row['stratum']}")
        origins = Counter(r["translation"]["origin"] for r in members if r.get("translation"))
        check(row.get("translated") == (dict(origins) or None), f"translations by origin of {row['stratum']}")

    # The funnel: each stage's set-aside reasons as its dropped.jsonl counts them, out = next in.
    funnel = dossier["funnel"]
    for stage in funnel[:-1]:
        with open(os.path.join(project, "build/example", stage["stage"], "dropped.jsonl"), encoding="utf-8") as handle:
            reasons = Counter(json.loads(line)["reason"] for line in handle)
        check(stage["set_aside"] == dict(reasons), f"set-aside reasons of {stage['stage']}")
    for before, after in zip(funnel, funnel[1:]):
        check(before["items_out"] == after["items_in"], f"{before['stage']} out {before['items_out']} = {after['stage']} in {after['items_in']}")
    check(funnel[-1]["items_out"] == count, "the funnel ends at the released records")

    for name, value in expected.items():
        got = checks[name]["value"]
        check(close(got, value, 1e-12), f"check {name}: {got} vs {value} recomputed")
        if got is not None:
            rule = checks[name]["comparison"]
            passes = got >= checks[name]["threshold"] - 1e-12 if rule == "at_least" else got <= checks[name]["threshold"] + 1e-12
            check(checks[name]["status"] == ("pass" if passes else "fail"), f"check {name} status")
        else:
            check(checks[name]["status"] == "not_applicable", f"check {name} is not applicable")

    # The report shows the same numbers; the pipeline makes identifiability blocking.
    report = open(os.path.join(candidate, "report.html"), encoding="utf-8").read()
    for entry in dossier["checks"]:
        shown = "n/a" if entry["value"] is None else f"{entry['value']:.3f}"
        start = report.find(f"<tr><td><strong>{entry['name']}</strong>")
        row = report[start:report.find("</tr>", start)] if start >= 0 else ""
        check(f"<td class=\"number\">{shown}</td>" in row, f"report shows {entry['name']} {shown}")
    for row in dossier["agreement"]:
        if row["agreement"].get("alpha_nominal") is not None:
            check(f"{row['agreement']['alpha_nominal']:.3f}" in report, f"report shows alpha of {row['round']} {row['agreement']['variable']}")
    for stage in dossier["funnel"]:
        check(f"<tr><td>{stage['stage']}</td><td class=\"number\">{stage['items_in']}</td><td class=\"number\">{stage['items_out']}</td>" in report,
              f"report shows the funnel at {stage['stage']}")
    for row in dossier["diversity"]:
        check(f"<tr><td>{row['stratum']}</td><td class=\"number\">{row['items']}</td><td class=\"number\">{row['measured']}</td>"
              f"<td class=\"number\">{row['vendi']:.3f}</td>" in report, f"report shows the Vendi score of {row['stratum']}")
    for subject, counts, statistic, p_value in balance:
        check(f"<tr><td>{subject}</td><td>{' / '.join(map(str, counts))}</td><td class=\"number\">{statistic:.3f}</td>" in report,
              f"report shows the answer positions of {subject}")
    check(checks["identifiability"]["blocking"] and checks["identifiability"]["status"] == "fail", "identifiability fails and blocks")
    refused = run(tool, project, "release", "--version", "1.0.0", ok=False)
    check(refused.returncode != 0 and "identifiability" in refused.stderr, f"release refused: {refused.stderr.strip()}")
    check(not os.path.exists(os.path.join(project, "releases/kornat-example/1.0.0")), "nothing published")

    # With the blocking check set to warn only, the published card carries the dossier's figures.
    pipeline = os.path.join(project, "pipelines/example.yaml")
    text = open(pipeline, encoding="utf-8").read()
    open(pipeline, "w", encoding="utf-8").write(text.replace("identifiability: {block: true}", "identifiability: {block: false}"))
    run(tool, project, "run")
    run(tool, project, "release", "--version", "1.0.0")
    published = os.path.join(project, "releases/kornat-example/1.0.0")
    card = open(os.path.join(published, "README.md"), encoding="utf-8").read()
    released_dossier = json.load(open(os.path.join(published, "quality.json"), encoding="utf-8"))
    check(released_dossier["version"] == "1.0.0", "the published dossier names its version")
    for entry in released_dossier["checks"]:
        shown = "n/a" if entry["value"] is None else f"{entry['value']:.3f}"
        check(f"| {entry['name']} | {entry['measure']} | {entry['criterion']} | {shown} |" in card, f"card shows {entry['name']} {shown}")
    for row in released_dossier["agreement"]:
        a = row["agreement"]
        if a.get("ac1"):
            check(f"| {row['round']} | {a['variable']} | {a['items']} |" in card and f"{a['ac1']['value']:.3f} ± {a['ac1']['standard_error']:.3f}" in card,
                  f"card shows AC1 of {row['round']} {a['variable']}")
    for stage in released_dossier["funnel"]:
        check(f"| {stage['stage']} | {stage['items_in']} | {stage['items_out']} |" in card, f"card shows the funnel at {stage['stage']}")
    for row in released_dossier["authorship"]:
        authors = ", ".join(f"{name} {count}" for name, count in sorted(row["authors"].items()))
        check(f"| {row['stratum']} | {authors} | {row['generated']} | {row['revised']} |" in card, f"card shows the authors of {row['stratum']}")
    croissant = json.load(open(os.path.join(published, "croissant.json"), encoding="utf-8"))
    for stage in released_dossier["funnel"]:
        for reason, number in stage["set_aside"].items():
            check(f"{stage['stage']}: {reason} {number}" in croissant["rai:dataPreprocessingProtocol"], f"Croissant lists {stage['stage']} {reason} {number}")
    check("1 item matches a personal-data pattern" in croissant["rai:personalSensitiveInformation"], croissant["rai:personalSensitiveInformation"])

    if FAILURES:
        raise SystemExit(f"{len(FAILURES)} quality checks failed")
    print(f"quality dossier: {len(dossier['checks'])} checks, {len(dossier['agreement'])} agreement rows, "
          f"{len(dossier['diversity'])} Vendi scores recomputed from {count} released records; release refused while blocking; card and report agree")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
