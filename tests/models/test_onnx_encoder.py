"""The ONNX Runtime backends: the same embeddings as torch (fp32) or close to them (int8), chosen by config."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.encoder import EncoderConfig, SentenceTransformerEncoder

pytestmark = pytest.mark.slow

TEXTS = [
    "I was charged twice for my order.",
    "My card has not arrived yet, it has been two weeks",
    "thanks!",
    "Can you tell me how to close my account and get my remaining balance transferred to another bank?",
]


@pytest.fixture(scope="module")
def torch_embeddings() -> np.ndarray:
    return SentenceTransformerEncoder().encode(TEXTS)


@pytest.fixture(scope="module")
def onnx_dir(tmp_path_factory: pytest.TempPathFactory):
    return tmp_path_factory.mktemp("onnx")


def test_fp32_matches_torch(torch_embeddings, onnx_dir):
    from models.onnx_encoder import OnnxEncoder

    encoder = OnnxEncoder(config=EncoderConfig(onnx_dir=onnx_dir), int8=False)
    out = encoder.encode(TEXTS)
    assert out.shape == (4, 384) and out.dtype == np.float32
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    assert (out * torch_embeddings).sum(axis=1).min() > 0.9999
    # batched equals one at a time (length-sorted batches put the rows back in order)
    single = np.vstack([encoder.encode([t]) for t in TEXTS])
    assert np.allclose(single, out, atol=1e-5)


def test_int8_stays_close_and_the_export_is_cached(torch_embeddings, onnx_dir):
    from models.onnx_encoder import OnnxEncoder

    encoder = OnnxEncoder(config=EncoderConfig(onnx_dir=onnx_dir), int8=True)
    cosine = (encoder.encode(TEXTS) * torch_embeddings).sum(axis=1)
    assert cosine.mean() > 0.985 and cosine.min() > 0.97
    exported = sorted(p.name for p in next(onnx_dir.iterdir()).iterdir() if p.name != "export.lock")
    assert len(exported) == 2 and exported[1] == "model.onnx"  # the smoothing file left no temporary behind
    assert exported[0].startswith("model.int8-smooth-") and exported[0].endswith(".onnx")
    assert encoder.encode([]).shape == (0, 384)


def test_factory_picks_the_backend(onnx_dir):
    from models.encoder import build_encoder

    encoder = build_encoder(EncoderConfig(backend="onnx-int8", onnx_dir=onnx_dir))
    assert type(encoder).__name__ == "OnnxEncoder" and encoder.backend == "onnx-int8"
    assert (encoder.name, encoder.version) == ("encoder.all-minilm-l6-v2", "v2")


def test_parallel_runs_give_the_rows_of_one_run(onnx_dir):
    from models.onnx_encoder import OnnxEncoder

    # 40 texts of many lengths: ten chunks over two runs at once, put back in input order.
    texts = [f"{TEXTS[i % 4]} {'and again ' * (i % 7)}(case {i})" for i in range(40)]
    parallel = OnnxEncoder(config=EncoderConfig(onnx_dir=onnx_dir, onnx_parallel=2), int8=False)
    serial = OnnxEncoder(config=EncoderConfig(onnx_dir=onnx_dir, onnx_parallel=1), int8=False)
    assert (parallel.parallel, serial.parallel) == (2, 1)
    out = parallel.encode(texts)
    assert np.allclose(out, serial.encode(texts), atol=1e-5)
    assert np.allclose(out[7], serial.encode([texts[7]])[0], atol=1e-5)
    assert parallel.texts_encoded == 40


def test_int8_embeds_a_text_the_same_whatever_shares_its_call(onnx_dir):
    """Dynamic int8 scales activations per run: one text per run keeps batch mates out of the result."""
    from models.onnx_encoder import OnnxEncoder

    encoder = OnnxEncoder(config=EncoderConfig(onnx_dir=onnx_dir), int8=True)
    texts = [f"{TEXTS[i % 4]} {'really ' * (i % 5)}" for i in range(12)]
    together = encoder.encode(texts)
    for i in (0, 5, 11):
        assert np.array_equal(encoder.encode([texts[i]])[0], together[i])


def test_smoothing_keeps_the_fp32_outputs_and_brings_int8_closer_to_them(onnx_dir):
    """SmoothQuant moves activation ranges into the weights: fp32 computes the same, int8 loses less."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from models.onnx_encoder import SMOOTHING_DIR, OnnxEncoder, export_onnx
    from models.smoothquant import SmoothingStats, smooth

    stats = SmoothingStats.load(SMOOTHING_DIR)
    assert stats is not None and stats.alpha == 0.8
    fp32_path, _ = export_onnx(EncoderConfig(onnx_dir=onnx_dir), int8=False)
    folder = fp32_path.parent
    onnx.save(smooth(fp32_path, stats), str(folder / "smoothed.onnx"))
    quantize_dynamic(str(fp32_path), str(folder / "plain.int8.onnx"), per_channel=True, weight_type=QuantType.QInt8)
    fp32 = OnnxEncoder(config=EncoderConfig(onnx_dir=onnx_dir), int8=False)
    reference = fp32.encode(TEXTS)
    try:
        fp32._session = _session(folder / "smoothed.onnx")
        assert (fp32.encode(TEXTS) * reference).sum(axis=1).min() > 0.99999
        int8 = OnnxEncoder(config=EncoderConfig(onnx_dir=onnx_dir), int8=True)
        smoothed_cosine = (int8.encode(TEXTS) * reference).sum(axis=1)
        int8._session = _session(folder / "plain.int8.onnx")
        plain_cosine = (int8.encode(TEXTS) * reference).sum(axis=1)
    finally:
        for name in ("smoothed.onnx", "plain.int8.onnx"):
            (folder / name).unlink()
    assert smoothed_cosine.mean() > plain_cosine.mean() and smoothed_cosine.min() > 0.99


def _session(path):
    import onnxruntime as ort

    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def test_statistics_for_another_graph_are_refused_with_the_fix(tmp_path, onnx_dir):
    from models.errors import ModelNotLoadedError
    from models.onnx_encoder import SMOOTHING_DIR, export_onnx
    from models.smoothquant import SmoothingStats, smooth

    stats = SmoothingStats.load(SMOOTHING_DIR)
    assert stats is not None
    fp32_path, _ = export_onnx(EncoderConfig(onnx_dir=onnx_dir), int8=False)
    renamed = SmoothingStats({f"{k}.renamed": v for k, v in stats.maxima.items()}, stats.alpha, stats.metadata)
    with pytest.raises(ModelNotLoadedError, match="make calibrate-int8"):
        smooth(fp32_path, renamed)


def test_statistics_made_for_another_adapter_are_not_used(caplog):
    from models.onnx_encoder import ADAPTER_DIR, smoothing_for

    assert smoothing_for(ADAPTER_DIR) is not None  # the bundled statistics match the bundled adapter
    with caplog.at_level("WARNING"):
        assert smoothing_for(None) is None
    assert "make calibrate-int8" in caplog.text


def test_processes_starting_together_export_once_and_load_the_same_file(tmp_path, monkeypatch):
    """The lock file: a second exporter waits for the first instead of racing it over the temp files."""
    import threading
    import time

    from models import onnx_encoder

    calls: list[str] = []

    def slow_export(config, adapter_path, tokenizer, fp32):
        calls.append("fp32")
        time.sleep(0.3)  # long enough for the other exporter to find the lock taken
        fp32.write_bytes(b"graph")

    def quantise(fp32, stats, quantised):
        calls.append("int8")
        quantised.write_bytes(fp32.read_bytes() + b" in int8")

    monkeypatch.setattr(onnx_encoder, "_export_fp32", slow_export)
    monkeypatch.setattr(onnx_encoder, "_quantise", quantise)
    config = EncoderConfig(onnx_dir=tmp_path)
    paths: list[object] = []
    threads = [
        threading.Thread(target=lambda: paths.append(onnx_encoder.export_onnx(config, int8=True)[0])) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert calls == ["fp32", "int8"]
    assert len(paths) == 2 and paths[0] == paths[1] and paths[0].read_bytes() == b"graph in int8"


def test_a_failed_quantisation_leaves_no_temporary_graph_behind(tmp_path, monkeypatch):
    import onnxruntime.quantization

    from models import onnx_encoder

    def fails(source, target, **kwargs):
        Path(target).write_bytes(b"half written")
        raise RuntimeError("quantiser failed")

    fp32 = tmp_path / "model.onnx"
    fp32.write_bytes(b"graph")
    monkeypatch.setattr(onnxruntime.quantization, "quantize_dynamic", fails)
    with pytest.raises(RuntimeError, match="quantiser failed"):
        onnx_encoder._quantise(fp32, None, tmp_path / "model.int8.onnx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.onnx"]
