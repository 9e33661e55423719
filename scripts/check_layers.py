#!/usr/bin/env python3
"""Checks that includes and CMake dependencies follow the layer order (docs/architecture.md).

The order, bottom to top, is written here and nowhere else. A file may include its own folder and
any folder of a lower layer; never a folder of a higher layer, nor another folder of its own
layer. Folders that must stay free of SystemC never include it. Every cross-folder include of a
library's sources is declared as a link dependency of that library in CMake (directly or through
another dependency), so CMake documents the layering and a build that breaks it is visible.

Usage: check_layers.py ROOT [--inject FILE:INCLUDE ...]
(--inject adds an include to a file as if it were written there: the test suite uses it to show
that a violation fails.) Exits 1 and lists the violations, 0 when the tree follows the order."""
import argparse
import os
import re
import sys

# Bottom to top. Folders in one layer are peers and do not include each other.
LAYERS = [
    ["sim/kernel"],                        # errors, parameter schemas, registry, specs, config, metrics
    ["workloads", "arch", "interconnect"],  # traces; formats, pods, power; topologies and networks
    ["tiling"],                            # plans and schedulers
    ["sim/system"],                        # the controller's units, reports, the SystemC system
    ["sim"],                               # the command line, sweeps, benchmarks
]
# Folders that never include SystemC (sim/kernel/sc holds the kernel's SystemC helpers).
NO_SYSTEMC = ["sim/kernel", "workloads", "tiling"]
SYSTEMC_ALLOWED = ["sim/kernel/sc"]

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]', re.M)


# A folder's spec header (plain data, including only the kernel) belongs to the kernel layer, so
# that the kernel's aggregate SimConfig can hold every folder's spec.
SPEC_HEADER = "specs.h"


def folder_of(path):
    """The layer folder a repository path belongs to (the longest matching one), or None."""
    if os.path.basename(path) == SPEC_HEADER and folder_of(os.path.dirname(path) + "/x") is not None:
        return "sim/kernel"
    best = None
    for layer in LAYERS:
        for folder in layer:
            if path == folder or path.startswith(folder + "/"):
                if best is None or len(folder) > len(best):
                    best = folder
    return best


def rank(folder):
    return next(i for i, layer in enumerate(LAYERS) if folder in layer)


def sources(root):
    for top in sorted({f.split("/")[0] for layer in LAYERS for f in layer}):
        for base, _, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                if name.endswith((".h", ".cpp", ".cpp.in")):
                    yield os.path.relpath(os.path.join(base, name), root)


def includes_of(root, injected):
    table = {}
    for path in sources(root):
        with open(os.path.join(root, path), encoding="utf-8") as handle:
            table[path] = [(kind == "<", name) for kind, name in INCLUDE.findall(handle.read())]
    for path, name in injected:
        table.setdefault(path, []).append((False, name))
    return table


def cmake_targets(root):
    """Each add_library's folder, sources and declared link dependencies."""
    targets = {}
    for base, _, files in os.walk(root):
        if "CMakeLists.txt" not in files or "/build" in base or "/tests" in base:
            continue
        folder = os.path.relpath(base, root)
        text = open(os.path.join(base, "CMakeLists.txt"), encoding="utf-8").read()
        for name, body in re.findall(r"add_library\((\w+)\s+OBJECT([^)]*)\)", text):
            srcs = [os.path.normpath(os.path.join(folder, s)) for s in body.split() if s.endswith(".cpp")]
            targets[name] = {"folder": folder, "sources": srcs, "deps": set()}
        for name, body in re.findall(r"target_link_libraries\((\w+)([^)]*)\)", text):
            if name in targets:
                targets[name]["deps"].update(w for w in body.split() if w.startswith("sosasim_"))
    return targets


def closure(targets, name, seen=None):
    seen = set() if seen is None else seen
    for dep in targets.get(name, {}).get("deps", ()):
        if dep not in seen:
            seen.add(dep)
            closure(targets, dep, seen)
    return seen


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("root")
    parser.add_argument("--inject", action="append", default=[], help="FILE:INCLUDE")
    args = parser.parse_args()
    injected = [tuple(item.split(":", 1)) for item in args.inject]
    table = includes_of(args.root, injected)
    problems = []
    for path, includes in sorted(table.items()):
        mine = folder_of(path)
        if mine is None:
            continue
        for system, name in includes:
            if system:
                if name == "systemc" and any(path.startswith(f + "/") for f in NO_SYSTEMC) and \
                        not any(path.startswith(f + "/") for f in SYSTEMC_ALLOWED):
                    problems.append(f"{path}: includes <systemc>, but {mine}/ stays free of SystemC")
                continue
            theirs = folder_of(name)
            if theirs is None or theirs == mine:
                continue
            if name.startswith("sim/kernel/sc/") and any(path.startswith(f + "/") for f in NO_SYSTEMC):
                problems.append(f"{path}: includes {name}, but {mine}/ stays free of SystemC")
            if rank(theirs) > rank(mine):
                problems.append(f"{path}: includes {name}, a layer above {mine}/ (order: "
                                + " < ".join("/".join(layer) for layer in LAYERS) + ")")
            elif rank(theirs) == rank(mine):
                problems.append(f"{path}: includes {name}, but {mine}/ and {theirs}/ are peers")
    # CMake: a library's cross-folder includes are declared dependencies.
    targets = cmake_targets(args.root)
    owner = {}
    for name, target in targets.items():
        for source in target["sources"]:
            owner[source] = name
    folder_targets = {}
    for name, target in targets.items():
        folder_targets.setdefault(target["folder"], set()).add(name)
    for path, includes in sorted(table.items()):
        if path in owner:
            name = owner[path]
            declared = closure(targets, name) | {name}
        elif folder_of(path) not in folder_targets:
            continue  # the executables' sources (they link every library)
        else:  # a header: some library of its folder declares what it includes
            name = " or ".join(sorted(folder_targets.get(folder_of(path), ()))) or "(none)"
            declared = set()
            for target in folder_targets.get(folder_of(path), ()):
                declared |= closure(targets, target) | {target}
        for system, include in includes:
            theirs = folder_of(include) if not system else None
            if theirs is None or theirs == folder_of(path):
                continue
            candidates = folder_targets.get(theirs, set())
            if candidates and not candidates & declared:
                problems.append(f"{path}: includes {include}, but CMake target {name} does not link "
                                + " or ".join(sorted(candidates)))
    for problem in problems:
        print(problem)
    print(f"{len(table)} files checked against {len(LAYERS)} layers and {len(targets)} CMake targets, "
          f"{len(problems)} violations")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
