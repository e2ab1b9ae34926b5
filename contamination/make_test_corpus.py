"""Writes the small corpus the contamination check runs on in CI (Tests/ContaminationCorpus):
real public text (OpenStax Introductory Statistics paragraphs and CLIcK questions, both already
in the repository with their provenance), generated Korean and English text, and documents with
some of the example pipeline's items planted verbatim, reworded and translated.

    python3 contamination/make_test_corpus.py EXPORT_DIR OUT_DIR

EXPORT_DIR is `build-dataset contamination export` of pipelines/example.yaml. Deterministic:
the same export gives the same files, byte for byte.
"""

import gzip
import json
import os
import random
import sys
import xml.etree.ElementTree as ElementTree

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
export_dir, out_dir = sys.argv[1], sys.argv[2]
items = {json.loads(line)["question"]: json.loads(line) for line in open(os.path.join(export_dir, "items.jsonl"), encoding="utf-8")}
generator = random.Random(20261201)

documents = []  # (id or None, text)

# Real English text: every paragraph of the OpenStax modules in raw/.
namespace = "{http://cnx.rice.edu/cnxml}"
for module in ["raw/textbooks/openstax-statistics/m46909.cnxml"]:
    for para in ElementTree.parse(os.path.join(root, module)).iter(namespace + "para"):
        text = " ".join("".join(para.itertext()).split())
        if len(text.split()) >= 8:
            documents.append((f"openstax-{para.get('id')}", text))

# Real Korean text: CLIcK questions with their options, as a quiz page shows them.
for name in ["History_KHB.json", "Tradition_KIIP.json"]:
    for record in json.load(open(os.path.join(root, "Tests/DedupTests/Fixtures", name), encoding="utf-8")):
        text = "\n".join(part for part in [record["paragraph"], record["question"]] + record["choices"] if part)
        documents.append((f"click-{record['id']}-{name[:3]}", text))

# Generated text around them.
english = ("the a of to and in is was for on with as by at from data survey model sample mean value study group people "
           "city river market school history science number result table chart report season weather garden").split()
korean = "한국 역사 문화 학교 시장 날씨 사람 도시 강 산 음식 여행 가족 친구 회사 경제 정치 사회 과학 기술 책 노래 바다 하늘".split()
endings = ["이다.", "에서 만났다.", "을 좋아한다.", "이 많다.", "와 함께 갔다.", "에 대해 이야기했다."]
while len(documents) < 2900:
    if generator.random() < 0.5:
        sentences = [" ".join(generator.choice(english) for _ in range(generator.randint(6, 16))).capitalize() + "."
                     for _ in range(generator.randint(2, 8))]
        text = " ".join(sentences)
    else:
        text = " ".join(" ".join(generator.choice(korean) for _ in range(generator.randint(2, 5))) + generator.choice(endings)
                        for _ in range(generator.randint(2, 8)))
    # A few documents have no id: datatrove and the tool name them <shard>/<line>.
    documents.append((None if generator.random() < 0.02 else f"gen-{len(documents):05d}", text))


def item(question):
    return items[question]


def quiz(entry):
    choices = entry["choices"]
    return entry["question"] + "\n" + "\n".join(f"{chr(65 + index)}. {choice}" for index, choice in enumerate(choices))


planted = []  # (document id, text, item id or None, how)
verbatim = ["훈민정음을 창제한 조선의 왕은 누구인가?", "1592년에 일본이 조선을 침략하여 일어난 전쟁은 무엇인가?",
            "대한민국 헌법 제1조에 따르면 대한민국의 주권은 누구에게 있는가?", "나이 든 부모를 부양하는 것은 자녀의 의무이다."]
for number, question in enumerate(verbatim):
    entry = item(question)
    planted.append((f"planted-verbatim-{number}", "오늘의 퀴즈입니다. " + quiz(entry) + "\n정답은 댓글로 남겨 주세요.", entry["id"], "verbatim"))
# One planted document has no id: both scans name it <shard>/<line from 0>.
planted[-1] = (None,) + planted[-1][1:]
# The question and its answer on a question-and-answer page.
entry = item("고려 시대에 만들어져 현재 해인사에 보관된 불교 경전 목판은 무엇인가?")
planted.append(("planted-answer-0", "질문: " + entry["question"] + " 답: " + entry["answer"], entry["id"], "question and answer"))
# Lightly reworded: the first words changed, a long stretch of the question and its choices kept.
entry = item("1919년 3월 1일에 일어난 독립운동 직후 중국 상하이에 세워진 정부는 무엇인가?")
planted.append(("planted-reworded-light-0", "삼일운동이 일어난 뒤 중국 상하이에 세워진 정부는 무엇인가? " + entry["answer"], entry["id"],
                "reworded, a long stretch kept"))
english_items = [question for question in items if question.startswith("Which term matches this definition")]
for number, question in enumerate(english_items[:2]):
    entry = item(question)
    planted.append((f"planted-verbatim-en-{number}", "Flashcards for chapter one. " + quiz(entry) + " Answer on the back.", entry["id"], "verbatim"))
# Reworded throughout and translated: n-gram overlap does not find these (documented as its limit).
planted.append(("planted-reworded-0", "세종대왕은 백성을 위해 새로운 글자를 만든 임금으로 알려져 있다. 그 글자는 무엇일까?", None, "reworded throughout"))
planted.append(("planted-translated-0", "Which king of Joseon created Hunminjeongeum? A. Taejo B. Sejong C. Sejo D. Jeongjo", None,
                "translated into English"))
planted.append(("planted-translated-1", "In 1592 Japan invaded Joseon; what is that war called? A. Imjin War B. Byeongja Horan", None,
                "translated into English"))

positions = sorted(generator.sample(range(len(documents)), len(planted)))
for position, (document_id, text, _, _) in zip(positions, planted):
    documents.insert(position, (document_id, text))

os.makedirs(out_dir, exist_ok=True)
half = len(documents) // 2
shards = ["shard-00.jsonl", "shard-01.jsonl.gz"]
for index, (document_id, text, item_id, how) in enumerate(planted):
    if document_id is None:
        line = next(number for number, document in enumerate(documents) if document[1] == text)
        planted[index] = (f"{shards[0]}/{line}" if line < half else f"{shards[1]}/{line - half}", text, item_id, how)


def lines(part):
    return "".join(json.dumps({"text": text} if document_id is None else {"id": document_id, "text": text}, ensure_ascii=False) + "\n"
                   for document_id, text in part)


os.makedirs(os.path.join(out_dir, "shards"), exist_ok=True)
open(os.path.join(out_dir, "shards", shards[0]), "w", encoding="utf-8").write(lines(documents[:half]))
with open(os.path.join(out_dir, "shards", shards[1]), "wb") as raw:
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as compressed:
        compressed.write(lines(documents[half:]).encode("utf-8"))
expected = [{"document": document_id, "item": item_id, "how": how} for document_id, _, item_id, how in planted]
# Not planted: the exercise an example item was made from is in the textbook's own text.
exercise = item(next(question for question in items if question.startswith("Use the following information to answer the next three")))
expected += [{"document": document_id, "item": exercise["id"], "how": "real text: the textbook exercise the item was made from"}
             for document_id in ["openstax-element-131", "openstax-fs-idm1484432"]]
open(os.path.join(out_dir, "planted.jsonl"), "w", encoding="utf-8").write(
    "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in expected))
print(f"{len(documents)} documents, {len(planted)} planted, in {out_dir}")
