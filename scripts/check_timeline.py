#!/usr/bin/env python3
"""Checks a trace-event timeline (`sosasim run --timeline FILE.json`) against the trace-event
format's rules, as Perfetto and chrome://tracing read it:

- the file is JSON with a `traceEvents` list; every event has a known phase (`ph`);
- a complete event (`X`) has a name, integer pid and tid, and numeric ts >= 0 and dur >= 0;
- the complete events of one track (pid, tid) nest: two of them are disjoint or one contains
  the other (partial overlap is what the format does not support);
- metadata events (`M`) name processes and threads with a string and sort threads with an
  integer; every track with events has a thread name;
- a counter event (`C`) has a name, a pid, a numeric ts and numeric values in `args`, and each
  counter's samples are in time order.

Usage: check_timeline.py FILE.json [--summary]. Prints one line per broken rule (at most 20)
and exits 1 if there is any; with --summary also prints the number of tracks and events.
"""
import argparse
import collections
import json
import numbers
import sys

EPSILON = 1e-9  # timestamps are cycles / 1000, exact in binary only to about this


def check(document):
    """Returns (problems, stats) for a parsed timeline."""
    problems = []

    def problem(text):
        problems.append(text)

    events = document.get("traceEvents") if isinstance(document, dict) else None
    if not isinstance(events, list):
        return ["no traceEvents list"], {}
    tracks = collections.defaultdict(list)
    named_threads = set()
    counters = collections.defaultdict(list)
    phases = collections.Counter()
    for index, event in enumerate(events):
        ph = event.get("ph")
        phases[ph] += 1
        where = f"event {index} ({event.get('name')!r})"
        if ph == "X":
            if not isinstance(event.get("name"), str):
                problem(f"{where}: a complete event without a string name")
            if not isinstance(event.get("pid"), int) or not isinstance(event.get("tid"), int):
                problem(f"{where}: pid and tid must be integers")
                continue
            ts, dur = event.get("ts"), event.get("dur")
            if not isinstance(ts, numbers.Real) or not isinstance(dur, numbers.Real) or ts < 0 or dur < 0:
                problem(f"{where}: ts and dur must be numbers >= 0 (ts {ts!r}, dur {dur!r})")
                continue
            tracks[(event["pid"], event["tid"])].append((ts, ts + dur, index))
        elif ph == "M":
            args = event.get("args", {})
            if event.get("name") in ("process_name", "thread_name"):
                if not isinstance(args.get("name"), str):
                    problem(f"{where}: a {event.get('name')} without a string name")
                if event.get("name") == "thread_name":
                    named_threads.add((event.get("pid"), event.get("tid")))
            elif event.get("name") in ("thread_sort_index", "process_sort_index"):
                if not isinstance(args.get("sort_index"), int):
                    problem(f"{where}: a sort index must be an integer")
            else:
                problem(f"{where}: unknown metadata event")
        elif ph == "C":
            args = event.get("args")
            ts = event.get("ts")
            if not isinstance(event.get("name"), str) or not isinstance(event.get("pid"), int):
                problem(f"{where}: a counter needs a name and an integer pid")
            elif not isinstance(ts, numbers.Real) or ts < 0:
                problem(f"{where}: a counter sample needs a ts >= 0")
            elif not isinstance(args, dict) or not args or not all(
                    isinstance(v, numbers.Real) for v in args.values()):
                problem(f"{where}: a counter sample needs numeric values in args")
            else:
                counters[(event["pid"], event["name"])].append(ts)
        else:
            problem(f"{where}: phase {ph!r} is not one this timeline writes (X, M, C)")

    overlaps = 0
    for track, spans in tracks.items():
        if track not in named_threads:
            problem(f"track pid {track[0]} tid {track[1]} has events but no thread name")
        # Longer first at equal start, so a parent precedes the spans it contains.
        spans.sort(key=lambda span: (span[0], -span[1]))
        open_ends = []
        for start, end, index in spans:
            while open_ends and open_ends[-1] <= start + EPSILON:
                open_ends.pop()
            if open_ends and end > open_ends[-1] + EPSILON:
                overlaps += 1
                if overlaps <= 5:
                    problem(f"track pid {track[0]} tid {track[1]}: event {index} "
                            f"({start}-{end}) overlaps an enclosing slice ending at {open_ends[-1]} without nesting")
                continue
            open_ends.append(end)
    if overlaps > 5:
        problem(f"{overlaps} slices overlap without nesting in all")
    for (pid, name), times in counters.items():
        if any(b < a for a, b in zip(times, times[1:])):
            problem(f"counter {name!r} (pid {pid}): samples out of time order")
    stats = {"tracks": len(tracks), "complete_events": phases["X"], "counter_samples": phases["C"],
             "counters": len(counters), "metadata": phases["M"]}
    return problems, stats


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("timeline")
    parser.add_argument("--summary", action="store_true", help="print the tracks and events counted")
    args = parser.parse_args()
    try:
        with open(args.timeline) as f:
            document = json.load(f)
    except (OSError, ValueError) as error:
        print(f"{args.timeline}: {error}", file=sys.stderr)
        return 1
    problems, stats = check(document)
    for text in problems[:20]:
        print(f"{args.timeline}: {text}")
    if args.summary:
        print(f"{args.timeline}: " + ", ".join(f"{value} {key}" for key, value in stats.items()))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
