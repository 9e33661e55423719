#!/usr/bin/env python3
"""The malformed-input corpus: each file in tests/malformed/ is one bad config whose first line says
what must happen: `# expect N: words | more words` -- `sosasim validate FILE` exits with N and prints
one line that holds the file's name and every listed phrase (no crash, no internal error, no
second line). Usage: test_malformed.py SOSASIM_BINARY"""
import glob
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    binary = sys.argv[1]
    failures, cases = [], 0
    for path in sorted(glob.glob(os.path.join(HERE, "malformed", "*"))):
        first = re.split(rb"[\r\n]", open(path, "rb").read(), maxsplit=1)[0].decode()
        match = re.match(r"#\s*expect\s+(\d+):(.*)", first)
        if not match:
            failures.append(f"{path}: no '# expect N: words' line")
            continue
        cases += 1
        code, words = int(match.group(1)), [w.strip() for w in match.group(2).split("|") if w.strip()]
        result = subprocess.run([binary, "validate", path], capture_output=True, text=True, timeout=60)
        message = result.stderr.strip()
        name = os.path.basename(path)
        if result.returncode != code:
            failures.append(f"{name}: exit {result.returncode}, expected {code}: {message}")
            continue
        if len(message.splitlines()) != 1:
            failures.append(f"{name}: expected one line, got: {message!r}")
        for word in words + [name]:
            if word not in message:
                failures.append(f"{name}: message lacks '{word}': {message}")
    for failure in failures:
        print("FAIL " + failure)
    print(f"{cases - len(failures)} passed, {len(failures)} failed")
    return 1 if failures or cases == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
