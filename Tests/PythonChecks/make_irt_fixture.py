"""Writes the 2PL fixture of the Swift statistics tests: responses simulated from a seeded 2PL
model (numpy), and girth's twopl_mml estimates (without its look-up table) on them.

Usage: python make_irt_fixture.py OUT.json
"""
import json
import sys

from importlib import metadata
import numpy
from girth import twopl_mml


def main(out):
    generator = numpy.random.default_rng(20261202)
    items, persons = 12, 150
    a = generator.uniform(0.6, 2.2, items)
    b = generator.uniform(-1.5, 1.5, items)
    theta = generator.normal(0, 1, persons)
    probability = 1 / (1 + numpy.exp(-a[:, None] * (theta[None, :] - b[:, None])))
    responses = (generator.uniform(size=(items, persons)) < probability).astype(int)
    fitted = twopl_mml(responses, options={"use_LUT": False})
    document = {
        "provenance": f"simulated 2PL responses (numpy default_rng 20261202); estimates from girth {metadata.version('girth')} "
                      "twopl_mml with use_LUT False",
        "responses": responses.tolist(),
        "discrimination": fitted["Discrimination"].tolist(),
        "difficulty": fitted["Difficulty"].tolist(),
    }
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(document, handle)
        handle.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
