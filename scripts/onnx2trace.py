#!/usr/bin/python3
"""Turns an ONNX model into a sosasim native trace (layer,M,K,N,count,depends_on,w_operand,input_elements).

    scripts/onnx2trace.py MODEL.onnx OUT.csv [--batch B]

Lowered: Conv (grouped and depthwise: count = groups, K = kh kw C/groups, N = out/groups, M = batch
x output pixels, input_elements = the input tensor's size before lowering), Gemm (transA/transB honoured) and MatMul (leading dimensions become the count;
W is a weight when it is an initializer, an activation otherwise). Every other node passes its
inputs' producers on, so depends_on lists the GEMM layers a layer's inputs come from. Shapes come
from ONNX shape inference; a dynamic batch dimension takes --batch. Uses Debian's python3-onnx.
"""
import argparse
import sys

import onnx
from onnx import shape_inference


def dims(value_info, batch):
    shape = value_info.type.tensor_type.shape
    result = []
    for d in shape.dim:
        result.append(d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else batch)
    return result


def convert(model, batch):
    model = shape_inference.infer_shapes(model)
    graph = model.graph
    shapes = {}
    for v in list(graph.input) + list(graph.value_info) + list(graph.output):
        shapes[v.name] = dims(v, batch)
    initializers = {t.name: list(t.dims) for t in graph.initializer}
    shapes.update(initializers)
    producers = {}
    rows = []
    used_names = set()
    for index, node in enumerate(graph.node):
        deps = sorted({p for name in node.input if name in producers for p in producers[name]})
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        name = node.name or f"{node.op_type}_{index}"
        while name in used_names:
            name += "_"
        gemm = None
        if node.op_type == "Conv":
            weight = shapes[node.input[1]]  # (out, in / groups, kh, kw)
            out = shapes.get(node.output[0])
            if out is None or len(out) != 4:
                raise SystemExit(f"error: {name}: output shape of Conv unknown (run shape inference first)")
            groups = int(attrs.get("group", 1))
            tensor = 1
            for d in shapes.get(node.input[0], []):
                tensor *= d
            gemm = (out[0] * out[2] * out[3], weight[1] * weight[2] * weight[3], weight[0] // groups, groups, "weight",
                    tensor if node.input[0] in shapes else "")
        elif node.op_type == "Gemm":
            a, b = shapes[node.input[0]], shapes[node.input[1]]
            m, k = (a[1], a[0]) if attrs.get("transA", 0) else (a[0], a[1])
            n = b[0] if attrs.get("transB", 0) else b[1]
            gemm = (m, k, n, 1, "weight" if node.input[1] in initializers else "activation", "")
        elif node.op_type == "MatMul":
            a, b = shapes[node.input[0]], shapes[node.input[1]]
            if len(a) < 2 or len(b) < 2:
                raise SystemExit(f"error: {name}: MatMul of vectors is not supported")
            batch_dims = a[:-2] if len(a) >= len(b) else b[:-2]
            count = 1
            for d in batch_dims:
                count *= d
            gemm = (a[-2], a[-1], b[-1], count, "weight" if node.input[1] in initializers else "activation", "")
        if gemm:
            used_names.add(name)
            rows.append((name,) + gemm + (deps,))
            for output in node.output:
                producers[output] = [name]
        else:
            for output in node.output:
                producers[output] = deps
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("out")
    parser.add_argument("--batch", type=int, default=1)
    args = parser.parse_args()
    try:
        model = onnx.load(args.model)
    except Exception as error:  # onnx raises several kinds for unreadable files
        print(f"error: {args.model}: cannot read the ONNX model: {error}", file=sys.stderr)
        return 2
    rows = convert(model, args.batch)
    if not rows:
        print(f"error: {args.model}: no Conv, Gemm or MatMul nodes", file=sys.stderr)
        return 2
    with open(args.out, "w") as out:
        out.write(f"# converted from {args.model} by scripts/onnx2trace.py, batch {args.batch}\n")
        out.write("layer,M,K,N,count,depends_on,w_operand,input_elements\n")
        for name, m, k, n, count, operand, inputs, deps in rows:
            out.write(f"{name},{m},{k},{n},{count},{';'.join(deps) if deps else 'none'},{operand},{inputs}\n")
    print(f"wrote {len(rows)} layers to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
