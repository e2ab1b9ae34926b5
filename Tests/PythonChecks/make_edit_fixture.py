"""Edit rates of fixed machine-output / post-edit pairs (Korean and English) by sacrebleu's TER
and a plain Levenshtein over code points: the fixture EditRatesTests compares the tool's with.

    python make_edit_fixture.py > Tests/StatisticsTests/Fixtures/edit_rates.json
    python make_edit_fixture.py --check Tests/StatisticsTests/Fixtures/edit_rates.json   # CI
"""
import json
import sys

import sacrebleu
from sacrebleu.metrics import TER

PAIRS = [
    ("Which Joseon king created Hunminjeongeum?", "Which Joseon king created Hunminjeongeum?"),
    ("Which king of Joseon made the Hunminjeongeum?", "Which Joseon king created Hunminjeongeum?"),
    ("What war began when Japan invaded Joseon in 1592?", "In 1592, what war began when Japan invaded Joseon?"),
    ("The term of the President is 5 years, and can not be reelected.", "5 years, no second term"),
    ("the cat sat on the mat", "on the mat the cat sat"),
    ("a b c d e f g h i j k l", "g h i j k l a b c d e f"),
    ("In Korea, the institution that has the power to make laws, that is legislative power?",
     "In Korea, which body holds the power to make laws, that is, legislative power?"),
    ("", "An empty machine output"),
    ("Something the editor deleted", ""),
    ("UPPER and lower Case", "upper AND LOWER case"),
    ("훈민정음을 창제한 조선의 왕은 누구인가?", "훈민정음을 만든 조선의 왕은 누구인가?"),
    ("대한민국의 수도는 어디 입니까?", "대한민국의 수도는 어디인가?"),
    ("1592년에 일본이 조선을 침략하여 일어난 전쟁은 무엇인가?", "일본이 1592년에 조선을 침략하여 일어난 전쟁은 무엇인가?"),
    ("국민이 선거로 뽑은 대표가 권력을 행사하는 정치", "국민이 뽑은 대표가 국민의 뜻에 따라 권력을 행사하는 정치는?"),
    ("가랑비에 옷 젖는 줄 모른다", "가랑비에  옷   젖는 줄 모른다"),
    ("x y z x y z x y z", "z y x z y x z y x"),
    ("one two three four five six seven eight nine ten eleven twelve thirteen",
     "thirteen twelve eleven one two three four five six seven eight nine ten"),
    ("Élan vital café naïve", "elan vital cafe naive"),
]


def levenshtein(a, b):
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def fixture():
    ter = TER()
    rows = []
    for machine, edited in PAIRS:
        score = ter.sentence_score(machine, [edited])
        distance = levenshtein(machine, edited)
        longest = max(len(machine), len(edited))
        rows.append({
            "machine": machine, "edited": edited,
            "characters": distance, "normalized": distance / longest if longest else 0.0,
            "ter": score.score / 100, "word_edits": int(score.num_edits), "words": int(score.ref_length),
        })
    return {"sacrebleu": sacrebleu.__version__, "pairs": rows}


if __name__ == "__main__":
    made = fixture()
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        stored = json.load(open(sys.argv[2], encoding="utf-8"))
        mismatches = [(a["machine"], a["edited"]) for a, b in zip(made["pairs"], stored["pairs"])
                      if any(a[k] != b[k] for k in ("characters", "word_edits", "words"))
                      or abs(a["ter"] - b["ter"]) > 1e-12 or abs(a["normalized"] - b["normalized"]) > 1e-12]
        if mismatches or len(made["pairs"]) != len(stored["pairs"]):
            sys.exit(f"edit rates differ from sacrebleu {made['sacrebleu']}: {mismatches}")
        print(f"edit rates: {len(made['pairs'])} pairs as sacrebleu {made['sacrebleu']} and Levenshtein give them")
    else:
        json.dump(made, sys.stdout, ensure_ascii=False, indent=1)
        print()
