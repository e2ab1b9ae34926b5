"""Scan pretraining corpus shards for a benchmark's items with datatrove.

    python contamination/scan_corpus.py EXPORT_DIR CORPUS_DIR OUTPUT_DIR --corpus NAME
        [--executor local|slurm|ray] [--tasks N] [--workers N] [--text-key text] [--id-key id]
        [--partition P --time T --venv DIR (slurm)] [--cpus-per-task N (slurm, ray)]

EXPORT_DIR is what `build-dataset contamination export` wrote (items.jsonl, settings.json).
CORPUS_DIR holds the shards: .jsonl, .jsonl.gz and .parquet files at any depth, each document with a
text field. Each task writes OUTPUT_DIR/hits/<rank>.jsonl; bring that folder back and run
`build-dataset contamination import OUTPUT_DIR/hits`. The n-grams and tokenization are the tool's
(ngram_overlap.py), so the hits are the same as `build-dataset contamination scan` finds.
"""

import argparse
import os
import sys

from datatrove.data import Document, DocumentsPipeline
from datatrove.io import get_datafolder
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.readers import JsonlReader, ParquetReader
from datatrove.pipeline.writers import JsonlWriter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ngram_overlap import Index  # noqa: E402


class ItemOverlapScanner(PipelineStep):
    """Yields one document per (item, corpus document) overlap, carrying the hit's fields."""

    name = "item overlap"
    type = "🔍 - DECONT"

    def __init__(self, items_path, corpus):
        super().__init__()
        self.items_path = items_path
        self.corpus = corpus

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        index = Index.load(self.items_path)
        for document in data:
            self.stat_update("documents")
            if not isinstance(document.text, str):
                continue
            with self.track_time():
                found = index.matches(document.text)
            for number, span, length, ngrams in found:
                self.stat_update("hits")
                hit = {
                    "item": index.entries[number]["id"], "content_hash": index.entries[number]["content_hash"], "corpus": self.corpus, "shard": document.metadata["shard"],
                    "document": str(document.id), "span": span, "length": length, "ngrams": ngrams,
                }
                yield Document(text=span, id=f"{hit['item']}@{hit['document']}", metadata=hit)


def with_shard(self, data, path, id_in_file):
    """datatrove's default reading of a record, with the shard's path kept for the hit."""
    return {
        "text": data.pop(self.text_key, ""),
        "id": data.pop(self.id_key, f"{path}/{id_in_file}"),
        "media": [],
        "metadata": {"shard": path},
    }


def hit_record(self, document):
    return document["metadata"] if isinstance(document, dict) else document.metadata


def pipeline(arguments):
    readers = []
    patterns = [("**/*.jsonl", JsonlReader), ("**/*.jsonl.gz", JsonlReader), ("**/*.json.gz", JsonlReader), ("**/*.parquet", ParquetReader)]
    # A reader whose pattern matches no file stops its first task, so only those with files run.
    folder = get_datafolder(arguments.corpus_dir)
    for pattern, reader in patterns:
        if folder.list_files(glob_pattern=pattern):
            readers.append(reader(arguments.corpus_dir, glob_pattern=pattern, text_key=arguments.text_key, id_key=arguments.id_key,
                                  adapter=with_shard))
    if not readers:
        sys.exit(f"{arguments.corpus_dir}: no .jsonl, .jsonl.gz, .json.gz or .parquet files")
    return readers + [
        ItemOverlapScanner(os.path.join(arguments.export_dir, "items.jsonl"), arguments.corpus),
        JsonlWriter(os.path.join(arguments.output_dir, "hits"), output_filename="${rank}.jsonl", compression=None, adapter=hit_record),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("export_dir")
    parser.add_argument("corpus_dir")
    parser.add_argument("output_dir")
    parser.add_argument("--corpus", required=True, help="the corpus's name, as hits and the release name it")
    parser.add_argument("--executor", choices=["local", "slurm", "ray"], default="local")
    parser.add_argument("--tasks", type=int, default=1, help="how many parts the shards are split into (one file per task at most)")
    parser.add_argument("--workers", type=int, default=-1, help="local: tasks run at once (default: all)")
    parser.add_argument("--start-method", default="forkserver", choices=["forkserver", "fork", "spawn"],
                        help="local: how worker processes start (fork makes them children of this process, so its processor time counts them)")
    parser.add_argument("--text-key", default="text")
    parser.add_argument("--id-key", default="id")
    parser.add_argument("--partition", help="slurm: the partition")
    parser.add_argument("--time", default="24:00:00", help="slurm: each task's time limit")
    parser.add_argument("--cpus-per-task", type=int, default=1, help="slurm and ray: cores a task takes")
    parser.add_argument("--venv", help="slurm: the virtual environment each task activates")
    arguments = parser.parse_args()
    steps = pipeline(arguments)
    logs = os.path.join(arguments.output_dir, "logs")
    if arguments.executor == "local":
        from datatrove.executor import LocalPipelineExecutor
        executor = LocalPipelineExecutor(steps, tasks=arguments.tasks, workers=arguments.workers, logging_dir=logs, skip_completed=False,
                                         start_method=arguments.start_method)
    elif arguments.executor == "slurm":
        from datatrove.executor import SlurmPipelineExecutor
        if not arguments.partition:
            sys.exit("--executor slurm needs --partition")
        executor = SlurmPipelineExecutor(steps, tasks=arguments.tasks, time=arguments.time, partition=arguments.partition,
                                         cpus_per_task=arguments.cpus_per_task, logging_dir=logs, job_name=f"decont-{arguments.corpus}",
                                         venv_path=arguments.venv, skip_completed=False)
    else:
        from datatrove.executor import RayPipelineExecutor
        executor = RayPipelineExecutor(steps, tasks=arguments.tasks, cpus_per_task=arguments.cpus_per_task, logging_dir=logs,
                                       skip_completed=False)
    executor.run()


if __name__ == "__main__":
    main()
