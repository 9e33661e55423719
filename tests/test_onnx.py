#!/usr/bin/env python3
"""ONNX import: builds a small model with onnx.helper (grouped, depthwise and plain convolutions,
a residual add, an activation-activation MatMul, a Gemm), converts it with scripts/onnx2trace.py
and checks every row and dependency; then loads the trace with sosasim. Skips (77) without
python3-onnx. Usage: test_onnx.py REPO_ROOT SOSASIM_BINARY"""
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ImportError:
    print("skipped: python3-onnx is not installed")
    sys.exit(77)


def weight(name, *shape):
    return numpy_helper.from_array(np.zeros(shape, dtype=np.float32), name)


def build():
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["c1"], name="stem", strides=[2, 2], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("Conv", ["r1", "w2"], ["c2"], name="dw", group=16, pads=[1, 1, 1, 1]),
        helper.make_node("Conv", ["c2", "w3"], ["c3"], name="grouped", group=4),
        helper.make_node("Add", ["c3", "r1"], ["a1"]),
        helper.make_node("Reshape", ["a1", "shape"], ["flat"]),
        helper.make_node("MatMul", ["flat", "flatT"], ["scores"], name="scores"),
        helper.make_node("Transpose", ["flat"], ["flatT"], perm=[1, 0]),
        helper.make_node("Gemm", ["flat", "w4"], ["y"], name="fc", transB=1),
    ]
    # Topological order for ONNX: the Transpose must come before the MatMul that uses it.
    nodes = nodes[:6] + [nodes[7], nodes[6], nodes[8]]
    graph = helper.make_graph(
        nodes, "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 32, 32])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [16, 10]),
         helper.make_tensor_value_info("scores", TensorProto.FLOAT, [16, 16])],
        [weight("w1", 16, 3, 3, 3), weight("w2", 16, 1, 3, 3), weight("w3", 16, 4, 1, 1), weight("w4", 10, 256),
         numpy_helper.from_array(np.array([16, 256], dtype=np.int64), "shape")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def main():
    root, binary = sys.argv[1], sys.argv[2]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        model_path, trace = os.path.join(tmp, "tiny.onnx"), os.path.join(tmp, "tiny.csv")
        onnx.save(build(), model_path)
        subprocess.run([sys.executable, os.path.join(root, "scripts", "onnx2trace.py"), model_path, trace], check=True)
        rows = {}
        for line in open(trace):
            if line.startswith("#") or line.startswith("layer,"):
                continue
            name, m, k, n, count, deps, operand, inputs = line.strip().split(",")
            rows[name] = (int(m), int(k), int(n), int(count), deps, operand, int(inputs) if inputs else None)
        expected = {
            "stem": (256, 27, 16, 1, "none", "weight", 3 * 32 * 32),  # 32x32 -> 16x16, 3x3x3 -> 16
            "dw": (256, 9, 1, 16, "stem", "weight", 16 * 16 * 16),     # depthwise: 16 groups of one channel
            "grouped": (256, 4, 4, 4, "dw", "weight", 16 * 16 * 16),   # 4 groups of 4 -> 4
            "scores": (16, 256, 16, 1, "grouped;stem", "activation", None),
            "fc": (16, 256, 10, 1, "grouped;stem", "weight", None),
        }
        for name, want in expected.items():
            ok = rows.get(name) == want
            print(("ok   " if ok else "FAIL ") + f"{name}: {rows.get(name)} expected {want}")
            if not ok:
                failures.append(name)
        loaded = subprocess.run([binary, "workload", "info", trace, "--json"], capture_output=True, text=True)
        ok = loaded.returncode == 0 and '"layers": 5' in loaded.stdout
        print(("ok   " if ok else "FAIL ") + "sosasim reads the converted trace")
        if not ok:
            failures.append("sosasim")
        bad = os.path.join(tmp, "bad.onnx")
        open(bad, "w").write("not a model")
        refused = subprocess.run([sys.executable, os.path.join(root, "scripts", "onnx2trace.py"), bad, trace],
                                 capture_output=True, text=True)
        ok = refused.returncode == 2 and "cannot read" in refused.stderr
        print(("ok   " if ok else "FAIL ") + "an unreadable model is an error with exit code 2")
        if not ok:
            failures.append("bad model")
    print(f"{len(expected) + 2 - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
