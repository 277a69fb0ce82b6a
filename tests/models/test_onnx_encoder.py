"""The ONNX Runtime backends: the same embeddings as torch (fp32) or close to them (int8), chosen by config."""

from __future__ import annotations

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
    exported = sorted(p.name for p in next(onnx_dir.iterdir()).iterdir())
    assert exported == ["model.int8.onnx", "model.onnx"]
    assert encoder.encode([]).shape == (0, 384)


def test_factory_picks_the_backend(onnx_dir):
    from pipelines.factory import build_encoder

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
