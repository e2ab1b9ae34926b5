"""Writes the quality fixture of the Swift statistics tests: seeded ratings and similarity
matrices with the values the field's own packages give for them — Gwet's AC1 and Fleiss' kappa
with standard errors and intervals (irrCAC), quadratic-weighted kappa (statsmodels), the Vendi
score (vendi-score), t quantiles and chi-square tails (scipy).

Usage: python make_quality_fixture.py OUT.json
"""
import json
import sys
from importlib import metadata

import numpy
import pandas
from irrCAC.raw import CAC
from scipy import stats
from statsmodels.stats.inter_rater import cohens_kappa
from vendi_score import vendi


def ratings_case(generator, items, raters, categories, prevalence, missing):
    """Ratings that mostly agree with a hidden truth, one category rare, some missing."""
    truth = generator.choice(categories, size=items, p=prevalence)
    table = []
    for value in truth:
        row = []
        for _ in range(raters):
            if generator.uniform() < missing:
                row.append(None)
            elif generator.uniform() < 0.8:
                row.append(str(value))
            else:
                row.append(str(generator.choice(categories)))
        if all(v is None for v in row):
            row[0] = str(value)
        table.append(row)
    frame = pandas.DataFrame(table)
    # irrCAC rounds what it reports; 12 digits keeps the comparison tight.
    gwet = CAC(frame, digits=12).gwet()["est"]
    fleiss = CAC(frame, digits=12).fleiss()["est"]
    names = sorted({v for row in table for v in row if v is not None})
    counts = [[sum(1 for v in row if v == name) for name in names] for row in table]
    return {
        "counts": counts,
        "ac1": gwet["coefficient_value"], "ac1_se": gwet["se"], "ac1_interval": list(gwet["confidence_interval"]),
        "fleiss": fleiss["coefficient_value"], "fleiss_se": fleiss["se"], "fleiss_interval": list(fleiss["confidence_interval"]),
    }


def main(out):
    generator = numpy.random.default_rng(20261202)
    agreement = [
        ratings_case(generator, 40, 3, ["CA", "CS"], [0.9, 0.1], 0.0),
        ratings_case(generator, 60, 4, ["a", "b", "c"], [0.6, 0.3, 0.1], 0.2),
        ratings_case(generator, 25, 2, ["approve", "reject", "revise"], [0.8, 0.15, 0.05], 0.0),
    ]
    weighted = []
    for k in (3, 5):
        a = generator.integers(0, k, 80)
        b = numpy.clip(a + generator.integers(-1, 2, 80), 0, k - 1)
        table = numpy.zeros((k, k))
        for x, y in zip(a, b):
            table[x, y] += 1
        weighted.append({"table": table.tolist(), "quadratic": cohens_kappa(table, wt="quadratic").kappa,
                         "linear": cohens_kappa(table, wt="linear").kappa})
    similarity = []
    for n in (1, 5, 40):
        features = generator.uniform(size=(n, 6)) ** 3
        features /= numpy.linalg.norm(features, axis=1, keepdims=True)
        matrix = features @ features.T
        numpy.fill_diagonal(matrix, 1)
        similarity.append({"matrix": matrix.tolist(), "vendi": float(vendi.score_K(matrix))})
    distributions = {
        "t_quantiles": [{"p": p, "df": df, "value": float(stats.t.ppf(p, df))} for p, df in [(0.975, 1), (0.975, 4), (0.975, 29), (0.025, 59), (0.995, 120)]],
        "chi2_survival": [{"x": x, "df": df, "value": float(stats.chi2.sf(x, df))} for x, df in [(0.667, 3), (7.81, 3), (30, 3), (2.5, 1), (50, 40)]],
    }
    document = {
        "provenance": f"seeded numpy default_rng 20261202; irrCAC {metadata.version('irrCAC')}, statsmodels "
                      f"{metadata.version('statsmodels')}, vendi-score {metadata.version('vendi-score')}, scipy {metadata.version('scipy')}",
        "agreement": agreement, "weighted_kappa": weighted, "vendi": similarity, **distributions,
    }
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=1)
        handle.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
