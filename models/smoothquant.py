"""SmoothQuant-style activation smoothing of the fp32 ONNX encoder, before dynamic int8 quantisation.

Dynamic int8 quantises each MatMul's activations with one scale per tensor, so a few outlier channels
(the GELU output that feeds each ``output/dense``, for one) leave the other channels a handful of levels.
Smoothing (Xiao et al. 2023, "SmoothQuant", arXiv:2211.10438) moves that range into the weights, which
are quantised per output channel: for each MatMul ``X @ W`` with ``W`` an initializer of shape [in, out],

    s_j = max|X_j| ** alpha / max_k |W_jk| ** (1 - alpha)        (then divided by its geometric mean)
    X' = X * (1 / s)      one inserted Mul, shared by the MatMuls that read the same X (query, key, value)
    W' = diag(s) @ W

so ``X' @ W' == X @ W`` in exact arithmetic and the fp32 graph computes what it did (cosine 1.00000). For
``attention/output/dense``, whose input (the attention context) is per channel a linear function of the
value projection, ``1 / s`` is folded into the value projection's weight columns and bias instead of a Mul.

``max|X_j|`` comes from ``calibrate`` over training texts; the bundled statistics are
``models/artifacts/encoder/v2/smoothquant.npz`` (``make calibrate-int8``,
``models/training/calibrate_smoothing.py``), where the alpha (0.8) and its figures are recorded.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.errors import ModelNotLoadedError

# Scales are clipped to this range around their geometric mean: a dead channel must not get a huge one.
SCALE_RANGE = (1e-2, 1e2)
STATS_FILE = "smoothquant.npz"
META_FILE = "smoothquant.json"


@dataclass(frozen=True)
class SmoothingStats:
    """Per-input-channel max |X| of every weight MatMul's activation input, by tensor name, and the alpha."""

    maxima: dict[str, np.ndarray]
    alpha: float
    metadata: dict[str, Any]

    @classmethod
    def load(cls, folder: Path) -> SmoothingStats | None:
        """The statistics saved in ``folder``, or None if there are none."""
        if not (folder / STATS_FILE).is_file():
            return None
        with np.load(folder / STATS_FILE) as data:
            maxima = {name: data[name].astype(np.float32) for name in data.files}
        metadata = json.loads((folder / META_FILE).read_text())
        return cls(maxima, float(metadata["alpha"]), metadata)

    def save(self, folder: Path) -> None:
        np.savez(folder / STATS_FILE, **self.maxima)  # type: ignore[arg-type]
        (folder / META_FILE).write_text(json.dumps({**self.metadata, "alpha": self.alpha}, indent=2) + "\n")


def weight_matmuls(model: Any) -> dict[str, list[Any]]:
    """Activation tensor name -> the MatMul nodes that read it, with a 2-D initializer as their weight."""
    weights = {i.name for i in model.graph.initializer if len(i.dims) == 2}
    groups: dict[str, list[Any]] = {}
    for node in model.graph.node:
        if node.op_type == "MatMul" and node.input[1] in weights and node.input[0] not in weights:
            groups.setdefault(node.input[0], []).append(node)
    return groups


def calibrate(fp32: Path, token_ids: Sequence[Sequence[int]], *, progress: Any = None) -> dict[str, np.ndarray]:
    """``max|X_j|`` of every weight MatMul's input over these texts' token ids, one text per run."""
    import onnx
    import onnxruntime as ort
    from onnx import helper

    model = onnx.load(str(fp32))
    names = list(weight_matmuls(model))
    outputs = {o.name for o in model.graph.output}
    for name in names:
        if name not in outputs:
            model.graph.output.append(helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    inputs = {i.name for i in session.get_inputs()}
    maxima: dict[str, np.ndarray] = {}
    for row in token_ids:
        ids = np.array([row], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        for name, x in zip(names, session.run(names, {k: v for k, v in feeds.items() if k in inputs}), strict=True):
            channel_max = np.abs(x.reshape(-1, x.shape[-1])).max(axis=0)
            maxima[name] = np.maximum(maxima[name], channel_max) if name in maxima else channel_max
        if progress is not None:
            progress.update(1)
    return {name: m.astype(np.float32) for name, m in maxima.items()}


def smooth(fp32: Path, stats: SmoothingStats) -> Any:
    """The fp32 graph at ``fp32`` with every weight MatMul smoothed by ``stats``; raises if they do not match."""
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(fp32))
    graph = model.graph
    initializers = {i.name: i for i in graph.initializer}
    groups = weight_matmuls(model)
    if set(groups) != set(stats.maxima):
        missing, extra = sorted(set(groups) - set(stats.maxima)), sorted(set(stats.maxima) - set(groups))
        raise ModelNotLoadedError(
            f"the int8 smoothing statistics do not match this ONNX export (no statistics for {missing[:3]}, "
            f"statistics for tensors not in the graph {extra[:3]}): rerun `make calibrate-int8`"
        )
    producer = {output: node for node in graph.node for output in node.output}
    position = {id(node): k for k, node in enumerate(graph.node)}
    inserted: dict[int, list[Any]] = {}  # node index -> Mul nodes to insert before it
    low, high = SCALE_RANGE
    for x, nodes in groups.items():
        weights = [numpy_helper.to_array(initializers[n.input[1]]) for n in nodes]
        weight_max = np.max([np.abs(w).max(axis=1) for w in weights], axis=0)  # per input channel, shared
        x_max = np.maximum(stats.maxima[x], 1e-5)
        scale = x_max**stats.alpha / np.maximum(weight_max, 1e-5) ** (1 - stats.alpha)
        scale = np.clip(scale / np.exp(np.mean(np.log(scale))), low, high).astype(np.float32)
        for node, w in zip(nodes, weights, strict=True):
            smoothed = (w * scale[:, None]).astype(np.float32)
            initializers[node.input[1]].CopyFrom(numpy_helper.from_array(smoothed, node.input[1]))
        if "/attention/output/dense/" in nodes[0].name and _fold_into_value(initializers, producer, x, 1.0 / scale):
            continue
        inverse = f"{x}_smooth_inverse"
        graph.initializer.append(numpy_helper.from_array((1.0 / scale).astype(np.float32), inverse))
        mul = helper.make_node("Mul", [x, inverse], [f"{x}_smoothed"], name=f"{nodes[0].name}_smooth")
        for node in nodes:
            node.input[0] = mul.output[0]
        inserted.setdefault(min(position[id(n)] for n in nodes), []).append(mul)
    ordered = []
    for k, node in enumerate(graph.node):
        ordered.extend(inserted.get(k, []))
        ordered.append(node)
    del graph.node[:]
    graph.node.extend(ordered)
    onnx.checker.check_model(model)
    return model


def _fold_into_value(initializers: dict[str, Any], producer: dict[str, Any], context: str, inverse: np.ndarray) -> bool:
    """Scale the value projection's columns and bias by ``inverse`` (per context channel), if the graph has
    the BERT shape: context = Reshape(Transpose(probs @ heads(Add(bias, MatMul(X, W_value)))))."""
    from onnx import numpy_helper

    node, hops = producer.get(context), 0
    while node is not None and node.op_type in ("Reshape", "Transpose") and hops < 6:
        node, hops = producer.get(node.input[0]), hops + 1
    if node is None or node.op_type != "MatMul":
        return False
    value = producer.get(node.input[1])
    while value is not None and value.op_type in ("Transpose", "Reshape"):
        value = producer.get(value.input[0])
    if value is None or value.op_type != "Add":
        return False
    bias = next((i for i in value.input if i in initializers), None)
    projection = producer.get(next((i for i in value.input if i not in initializers), ""))
    if bias is None or projection is None or projection.op_type != "MatMul" or "/value/" not in projection.name:
        return False
    w_value = numpy_helper.to_array(initializers[projection.input[1]])
    b_value = numpy_helper.to_array(initializers[bias])
    initializers[projection.input[1]].CopyFrom(
        numpy_helper.from_array((w_value * inverse[None, :]).astype(np.float32), projection.input[1])
    )
    initializers[bias].CopyFrom(numpy_helper.from_array((b_value * inverse).astype(np.float32), bias))
    return True
