"""The contamination scan on a small corpus, end to end, with datatrove's local executor:

1. `build-dataset contamination export` of the example pipeline (in a scratch copy);
2. the datatrove pipeline (contamination/scan_corpus.py, 2 tasks) over Tests/ContaminationCorpus,
   and over a Parquet copy of its first shard;
3. `build-dataset contamination scan` over the same shards: the same hits, field for field;
4. the hits are exactly what Tests/ContaminationCorpus/planted.jsonl says (planted items found,
   the reworded and translated ones not, nothing else);
5. `contamination import` of datatrove's hits, twice (the second changes nothing), then `run`
   reruns dedup and what follows only, drops the items found, and `release` names the corpus in
   the card and the manifest.

Usage: python check_contamination.py BUILD_DATASET_BINARY
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.normpath(os.path.join(here, "..", ".."))
tool = os.path.abspath(sys.argv[1])
corpus = os.path.join(root, "Tests", "ContaminationCorpus", "shards")


def run(*arguments, cwd):
    result = subprocess.run(arguments, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(arguments)}\n{result.stdout}\n{result.stderr}")
    return result.stdout


def key(hit):
    return (hit["item"], hit["corpus"], hit["shard"], hit["document"])


def read_hits(paths):
    hits = []
    for path in paths:
        with open(path, encoding="utf-8") as file:
            hits += [json.loads(line) for line in file if line.strip()]
    return sorted(hits, key=key)


def check(condition, message):
    if not condition:
        sys.exit("check_contamination: " + message)


with tempfile.TemporaryDirectory() as scratch:
    project = os.path.join(scratch, "project")
    os.makedirs(project)
    for folder in ["pipelines", "raw"]:
        shutil.copytree(os.path.join(root, folder), os.path.join(project, folder))
    run(tool, "contamination", "export", "-o", "export", cwd=project)

    datatrove_out = os.path.join(scratch, "datatrove")
    run(sys.executable, os.path.join(root, "contamination", "scan_corpus.py"), os.path.join(project, "export"), corpus, datatrove_out,
        "--corpus", "test-corpus", "--tasks", "2", cwd=project)
    hits_folder = os.path.join(datatrove_out, "hits")
    datatrove_hits = read_hits(os.path.join(hits_folder, name) for name in sorted(os.listdir(hits_folder)))

    print(run(tool, "contamination", "scan", "--corpus", "test-corpus", corpus, "-o", "tool-hits.jsonl", cwd=project).strip())
    tool_hits = read_hits([os.path.join(project, "tool-hits.jsonl")])
    check(tool_hits == datatrove_hits, f"the tool's hits differ from datatrove's:\n{tool_hits}\n{datatrove_hits}")

    with open(os.path.join(corpus, "..", "planted.jsonl"), encoding="utf-8") as file:
        planted = [json.loads(line) for line in file]
    expected = {(record["item"], record["document"]) for record in planted if record["item"]}
    found = {(hit["item"], hit["document"]) for hit in tool_hits}
    check(found == expected, f"found {sorted(found - expected)} not planted; missed {sorted(expected - found)}")
    not_found = {record["document"] for record in planted if not record["item"]}
    check(not any(hit["document"] in not_found for hit in tool_hits), "a reworded or translated document was found")
    print(f"{len(tool_hits)} hits, identical in datatrove and the tool, exactly the planted ones and the textbook's own exercise")

    # Parquet: datatrove's ParquetReader over the first shard gives that shard's hits.
    import pyarrow
    import pyarrow.parquet

    parquet_corpus = os.path.join(scratch, "parquet-corpus")
    os.makedirs(parquet_corpus)
    with open(os.path.join(corpus, "shard-00.jsonl"), encoding="utf-8") as file:
        rows = [json.loads(line) for line in file]
    # Documents without an id are left out: a Parquet column has a value in every row.
    rows = [row for row in rows if "id" in row]
    pyarrow.parquet.write_table(pyarrow.table({"id": [row["id"] for row in rows], "text": [row["text"] for row in rows]}),
                                os.path.join(parquet_corpus, "shard-00.parquet"))
    parquet_out = os.path.join(scratch, "parquet-out")
    run(sys.executable, os.path.join(root, "contamination", "scan_corpus.py"), os.path.join(project, "export"), parquet_corpus,
        parquet_out, "--corpus", "test-corpus", cwd=project)
    parquet_hits = read_hits(os.path.join(parquet_out, "hits", name) for name in os.listdir(os.path.join(parquet_out, "hits")))
    same_shard = [dict(hit, shard="shard-00.parquet") for hit in tool_hits if hit["shard"] == "shard-00.jsonl" and "/" not in hit["document"]]
    check(parquet_hits == sorted(same_shard, key=key), f"Parquet hits differ:\n{parquet_hits}\n{same_shard}")
    print(f"Parquet shard: the same {len(parquet_hits)} hits")

    # Import and rerun.
    run(tool, "run", cwd=project)
    print(run(tool, "contamination", "import", hits_folder, cwd=project).strip())
    again = run(tool, "contamination", "import", hits_folder, cwd=project)
    check("no change" in again, f"a second import of the same hits changed something: {again}")
    document = json.loads(run(tool, "run", "--json", "--quiet", cwd=project))
    statuses = {stage["stage"]: stage["status"] for stage in document["stages"]}
    check(statuses["ingest"] == statuses["validate"] == "reused", f"ingest or validate reran after an import: {statuses}")
    check(statuses["dedup"] == "ran", f"dedup did not rerun after an import: {statuses}")
    with open(os.path.join(project, "build", "example", "dedup", "dropped.jsonl"), encoding="utf-8") as file:
        dropped = {record["id"]: record for record in map(json.loads, file) if record["reason"] == "contaminated"}
    check(set(dropped) == {item for item, _ in expected}, f"dropped {sorted(dropped)}, expected {sorted({item for item, _ in expected})}")
    check(all("test-corpus" in record["detail"] for record in dropped.values()), "a dropped item's detail does not name the corpus")
    run(tool, "release", "--version", "1.0.0", cwd=project)
    release = os.path.join(project, "releases", "kornat-example", "1.0.0")
    with open(os.path.join(release, "manifest.json"), encoding="utf-8") as file:
        checks = json.load(file)["corpus_contamination"]
    check(checks == [{"corpus": "test-corpus", "items_found": len(dropped), "action": "dropped",
                      "documents": len({(hit["shard"], hit["document"]) for hit in tool_hits})}], f"manifest: {checks}")
    with open(os.path.join(release, "README.md"), encoding="utf-8") as file:
        card = file.read()
    check(f"| test-corpus | {len(dropped)} |" in card, "the card does not name the corpus")
    run(tool, "verify", release, cwd=project)
    print(f"imported: {len(dropped)} items dropped on the next run (dedup and what follows rerun), named in the manifest and card")
