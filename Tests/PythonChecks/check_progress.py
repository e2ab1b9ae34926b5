"""Runs `build-dataset run` on a generated pipeline of N authored items, as a person would watch it.

- On a pseudo-terminal: every stage that takes over a second draws its progress line in place
  (carriage return, erase line, `<stage>: <step> D/T items, R/s, S left`), and the line is
  erased when the stage is done.
- Off a terminal (standard error to a pipe): one line per stage that took over a second
  (`<stage>: done in ...`), in order, and no terminal control characters.
Which stages took over a second comes from `run --json`.

Usage: python check_progress.py BUILD_DATASET_BINARY [--items N] [--piped-items N]
"""
import argparse
import json
import os
import pty
import random
import re
import select
import subprocess
import sys
import tempfile

STAGES = ["ingest", "validate", "dedup", "sample", "review", "release"]


def generate(project: str, items: int) -> None:
    """Korean items in seven subjects, one authored-items file, and a pipeline over it."""
    rng = random.Random(20261130)
    subjects = ["history", "science", "math", "language", "society", "geography", "arts"]
    os.makedirs(os.path.join(project, "raw"))
    os.makedirs(os.path.join(project, "pipelines"))
    with open(os.path.join(project, "raw", "items.xml"), "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<items xmlns="urn:build-dataset:authored-items:1" xml:lang="ko">\n')
        for index in range(items):
            question = f"문항 {index}: 다음 중 {rng.randrange(10**9)}에 관한 설명으로 옳은 것은 무엇인가?"
            choices = "".join(f"<choice>선택지 {rng.randrange(10**9)}</choice>" for _ in range(4))
            out.write(f'  <item id="g-{index}" subject="{subjects[index % 7]}"><question>{question}</question>'
                      f'{choices}<answer>{"ABCD"[index % 4]}</answer></item>\n')
        out.write("</items>\n")
    with open(os.path.join(project, "pipelines", "generated.yaml"), "w", encoding="utf-8") as out:
        out.write("name: generated\nseed: 1\nsources:\n  - {id: gen, kind: authored, path: raw/items.xml, subject: general, language: ko}\n"
                  "stages:\n  validate:\n    common_knowledge: {max_choice_length: 300}\n  review:\n    include_unreviewed: true\n"
                  "release: {name: generated, license: CC-BY-4.0}\n")


def run_on_terminal(binary: str, project: str) -> tuple[str, dict]:
    """Runs the pipeline with standard error on a pseudo-terminal; returns what it drew there
    and the `run --json` document."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([binary, "run", "-p", "pipelines/generated.yaml", "--json"], cwd=project,
                               stdout=subprocess.PIPE, stderr=follower)
    os.close(follower)
    drawn = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            drawn += chunk
        elif process.poll() is not None:
            break
    output = process.stdout.read()
    process.wait()
    os.close(leader)
    # The exit first: a failed run writes no JSON, and its error is on the terminal.
    if process.returncode != 0:
        sys.exit(f"run on a terminal failed with {process.returncode}: {drawn.decode(errors='replace')[-2000:]}")
    return drawn.decode("utf-8"), json.loads(output)


def seconds_by_stage(document: dict) -> dict:
    return {stage["stage"]: stage["seconds"] for stage in document["stages"] if stage["status"] == "ran"}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--items", type=int, default=100_000, help="items in the run on a terminal")
    parser.add_argument("--piped-items", type=int, default=20_000, help="items in the run off a terminal")
    arguments = parser.parse_args()
    binary = os.path.abspath(arguments.binary)
    failures = []
    with tempfile.TemporaryDirectory() as project:
        generate(project, arguments.items)
        drawn, document = run_on_terminal(binary, project)
        seconds = seconds_by_stage(document)
        frames = [frame for frame in drawn.split("\r\x1b[2K") if frame]
        print(f"terminal, {arguments.items} items: {len(frames)} progress lines; seconds per stage {seconds}")
        for frame in frames:
            if not re.fullmatch(r"[a-z]+: [a-z -]+( [0-9,]+/[0-9,]+ [a-z]+(, [0-9,]+/s, [0-9.]+ (s|min [0-9]+ s) left)?| \(([0-9.]+ s|[0-9]+ min [0-9]+ s)\))", frame):
                failures.append(f"terminal: a line of another shape: {frame!r}")
        for stage, taken in seconds.items():
            if taken > 1.5 and not any(frame.startswith(f"{stage}: ") for frame in frames):
                failures.append(f"terminal: {stage} took {taken} s and drew no progress")
        if not any(re.search(r" [0-9,]+/[0-9,]+ items, [0-9,]+/s, .* left$", frame) for frame in frames):
            failures.append("terminal: no line with items done of total, rate and time left")
        if frames and not drawn.endswith("\r\x1b[2K"):
            failures.append("terminal: the last progress line was not erased")
        if seconds.get("dedup", 0) > 1.5 and not any(re.match(r"dedup: near-duplicates [0-9,]+/", frame) for frame in frames):
            failures.append("terminal: dedup's near-duplicate step showed no count")

    with tempfile.TemporaryDirectory() as project:
        generate(project, arguments.piped_items)
        piped = subprocess.run([binary, "run", "-p", "pipelines/generated.yaml", "--json"], cwd=project, capture_output=True, text=True)
        if piped.returncode != 0:
            sys.exit(f"run off a terminal failed: {piped.stderr[-2000:]}")
        seconds = seconds_by_stage(json.loads(piped.stdout))
        lines = piped.stderr.splitlines()
        print(f"off a terminal, {arguments.piped_items} items (seconds per stage {seconds}):")
        print("\n".join(f"  {line}" for line in lines))
        shown = [line.split(":")[0] for line in lines]
        if any(not re.fullmatch(r"[a-z]+: done in [0-9.]+ s( \(longest step: .*\))?|[a-z]+: done in [0-9]+ min [0-9]+ s( \(longest step: .*\))?", line) for line in lines):
            failures.append(f"off a terminal: lines of another shape: {lines}")
        if shown != [stage for stage in STAGES if stage in shown] or len(set(shown)) != len(shown):
            failures.append(f"off a terminal: not one line per stage in order: {shown}")
        for stage, taken in seconds.items():
            if taken > 1.5 and stage not in shown:
                failures.append(f"off a terminal: {stage} took {taken} s and wrote no line")
        if "\x1b" in piped.stderr or "\r" in piped.stderr:
            failures.append("off a terminal: terminal control characters written")
    for failure in failures:
        print("FAIL", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
