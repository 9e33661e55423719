#!/usr/bin/env python3
"""The malformed-input corpus: each file in tests/malformed/ is one bad input whose first line says
what must happen: `# expect N: words | more words` -- sosasim exits with N and prints one line on
stderr that holds every listed phrase (no crash, no internal error, no second line). The file's
name says what it is and how it is given:
  NAME.yaml        a config:       sosasim validate FILE          (the message names the file)
  NAME.sweep.yaml  a sweep file:   sosasim sweep FILE -o TMP      (the message names the file)
  NAME.csv         a trace:        sosasim workload info FILE     (the message names the file)
  NAME.args        a command line: its second line, split like a shell does, with {dir} for
                   tests/malformed (its data/ folder holds files they name) and {tmp} for a
                   fresh folder
Usage: test_malformed.py SOSASIM_BINARY"""
import glob
import os
import re
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "malformed")


def command(binary, path, tmp):
    """The command line for one case, and whether its message must name the file."""
    name = os.path.basename(path)
    if name.endswith(".sweep.yaml"):
        return [binary, "sweep", path, "-q", "-o", os.path.join(tmp, "out")], True
    if name.endswith(".yaml"):
        return [binary, "validate", path], True
    if name.endswith(".csv"):
        return [binary, "workload", "info", path], True
    if name.endswith(".args"):
        lines = re.split(rb"\r?\n", open(path, "rb").read().rstrip(b"\n"))
        arguments = lines[1].decode().replace("{dir}", CORPUS).replace("{tmp}", tmp)
        return [binary] + shlex.split(arguments), False
    return None, False


def main():
    binary = sys.argv[1]
    failures, cases = [], 0
    for path in sorted(glob.glob(os.path.join(CORPUS, "*"))):
        if os.path.isdir(path):  # data/: files the .args cases name
            continue
        name = os.path.basename(path)
        first = re.split(rb"[\r\n]", open(path, "rb").read(), maxsplit=1)[0].decode()
        match = re.match(r"#\s*expect\s+(\d+):(.*)", first)
        if not match:
            failures.append(f"{name}: no '# expect N: words' line")
            continue
        code, words = int(match.group(1)), [w.strip() for w in match.group(2).split("|") if w.strip()]
        with tempfile.TemporaryDirectory() as tmp:
            argv, names_file = command(binary, path, tmp)
            if argv is None:
                failures.append(f"{name}: unknown kind of case (.yaml, .sweep.yaml, .csv or .args)")
                continue
            cases += 1
            result = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=tmp)
        message = result.stderr.strip()
        if result.returncode != code:
            failures.append(f"{name}: exit {result.returncode}, expected {code}: {message}")
            continue
        if len(message.splitlines()) != 1:
            failures.append(f"{name}: expected one line, got: {message!r}")
        for word in words + ([name] if names_file else []):
            if word not in message:
                failures.append(f"{name}: message lacks '{word}': {message}")
    for failure in failures:
        print("FAIL " + failure)
    print(f"{cases - len(failures)} passed, {len(failures)} failed")
    return 1 if failures or cases == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
