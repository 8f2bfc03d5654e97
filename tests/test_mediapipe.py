"""The real client: MediaPipe 1.2.2's TextClassifier loads our fp32 and int8 .tflite as they are, and its scores match
`albert-edge predict` of the same file. mediapipe lives in a venv of its own (it pins its own numpy/protobuf), made
once under pytest's cache dir (~3 min from PyPI) and reused after; warm, this module took ~120 s on the shared 2
cores (most of it training + conversion). benchmarks/mediapipe_parity.py is the large version (2,228 lines)."""

import re

import numpy as np
import pytest

pytest.importorskip("litert_torch")
pytest.importorskip("ai_edge_litert")

from albert_edge.errors import InputError  # noqa: E402
from converters.mediapipe_check import MEDIAPIPE, MediaPipeError, compare, mediapipe_probs, mediapipe_python  # noqa: E402
from converters.tflite_metadata import read_metadata, require_metadata  # noqa: E402

POSITIVE = {"good", "great", "love", "thanks", "happy", "best", "awesome", "nice", "fun", "cool"}
NEGATIVE = {"not", "no", "bad", "hate", "sad", "worst", "never", "sorry", "sick", "miss"}
SEQ = 32


@pytest.fixture(scope="module")
def mp_python(request):
    return mediapipe_python(request.config.cache.mkdir(MEDIAPIPE.replace("==", "-")))


def _label(text: str) -> int:
    words = set(re.findall(r"[a-z']+", text.lower()))
    return 2 if words & POSITIVE else 0 if words & NEGATIVE else 1


@pytest.fixture(scope="module")
def trained_tflite(golden_lines, spiece_dir, tmp_path_factory):
    """A micro ALBERT trained (a few seconds) on a keyword rule over the golden lines: confident, varied scores, so
    top-1 agreement means something; converted to fp32 + int8 .tflite."""
    import torch

    from albert_edge.checkpoint import new_model, save_checkpoint
    from albert_edge.model import AlbertConfig
    from albert_edge.tokenizer import load_tokenizer
    from converters import convert_checkpoint

    torch.manual_seed(0)
    tok = load_tokenizer(spiece_dir)
    cfg = AlbertConfig.micro(vocab_size=3000, id2label={0: "negative", 1: "neutral", 2: "positive"})
    model = new_model(cfg, seed=0).train()
    texts = golden_lines[:1600]
    b = tok.batch(texts, max_length=SEQ)
    y = torch.tensor([_label(t) for t in texts])
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    for step in range(150):
        i = torch.randint(0, len(texts), (64,))
        loss = torch.nn.functional.cross_entropy(model(b["input_ids"][i], b["attention_mask"][i]), y[i])
        opt.zero_grad()
        loss.backward()
        opt.step()
    ckpt = save_checkpoint(model.eval(), tmp_path_factory.mktemp("mp_ckpt") / "micro", tokenizer_dir=spiece_dir)
    out = tmp_path_factory.mktemp("mp_tflite") / "out"
    convert_checkpoint(ckpt, out, formats=["tflite"], precisions=["fp32", "int8"], seq_lens=[SEQ])
    return out


@pytest.fixture(scope="module")
def texts(golden_lines):
    return golden_lines[1400:1700] + golden_lines[-28:]  # tweets, botchan lines and the hand-written edge cases


@pytest.mark.parametrize("precision,tol", [("fp32", 1e-3), ("int8", 5e-2)])
def test_mediapipe_text_classifier_matches_predict(mp_python, trained_tflite, texts, precision, tol):
    r = compare(mp_python, trained_tflite / f"model_{precision}.tflite", texts)
    same = r["on_same_ids"]
    # where MediaPipe's plain SentencePiece gives our ids, the runtimes must agree
    assert same["lines"] >= 0.85 * len(texts), r
    assert same["top1_agreement"] == 1.0 and same["max_abs_dprob"] <= tol, r
    assert r["top1_agreement"] >= 0.9, r  # the rest differ only through tokenization
    scores = np.array([x["ours"] for x in r["largest_differences"]])
    assert scores.max() > 0.6  # a trained model: confident somewhere, not uniform


def test_metadata_as_mediapipe_schema_reads_it(mp_python, trained_tflite):
    """Parse our M001 buffer with the schema's generated Python shipped in the mediapipe wheel."""
    import subprocess

    path = trained_tflite / "model_int8.tflite"
    script = r"""
import sys, json
from mediapipe.tasks.metadata import metadata_schema_py_generated as M, schema_py_generated as S
data = open(sys.argv[1], 'rb').read()
m = S.Model.GetRootAs(data, 0)
idx = [m.Metadata(i).Buffer() for i in range(m.MetadataLength()) if m.Metadata(i).Name() == b'TFLITE_METADATA'][0]
meta = M.ModelMetadataT.InitFromPackedBuf(m.Buffers(idx).DataAsNumpy().tobytes(), 0)
sg = meta.subgraphMetadata[0]
pu = sg.inputProcessUnits[0]
print(json.dumps({"identifier": M.ModelMetadata.ModelMetadataBufferHasIdentifier(m.Buffers(idx).DataAsNumpy().tobytes(), 0),
  "min": meta.minParserVersion.decode(), "inputs": [t.name.decode() for t in sg.inputTensorMetadata],
  "outputs": [t.name.decode() for t in sg.outputTensorMetadata],
  "labels": [(f.name.decode(), f.type) for f in sg.outputTensorMetadata[0].associatedFiles],
  "tokenizer": [pu.optionsType, pu.options.sentencePieceModel[0].name.decode()],
  "input_content": sg.inputTensorMetadata[0].content.contentPropertiesType}))
"""
    r = subprocess.run([str(mp_python), "-c", script, str(path)], capture_output=True, text=True, check=True)
    got = __import__("json").loads(r.stdout)
    assert got == {"identifier": True, "min": "1.1.0", "inputs": ["ids", "mask", "segment_ids"],
                   "outputs": ["probability", "logits"], "labels": [["labels.txt", 2]],
                   "tokenizer": [5, "spiece_portable.model"], "input_content": 1}


def test_tflite_without_metadata_one_clear_line(mp_python, trained_tflite, tmp_path):
    import io
    import zipfile

    from ai_edge_litert.tools import flatbuffer_utils

    from albert_edge.files import sha256_bytes
    from albert_edge.runtime.tflite import TfliteRunner
    from converters.bundle import append_zip, canonical_json

    data = (trained_tflite / "model_fp32.tflite").read_bytes()
    model = flatbuffer_utils.read_model_from_bytearray(bytearray(data))
    model.metadata = [m for m in model.metadata if m.name not in (b"TFLITE_METADATA", "TFLITE_METADATA")]
    body = bytes(flatbuffer_utils.convert_object_to_bytearray(model))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        files = {n: z.read(n) for n in z.namelist() if n != "checksums.json"}
    bare = tmp_path / "bare.tflite"
    bare.write_bytes(append_zip(body, {**files, "checksums.json": canonical_json({"model": sha256_bytes(body)})}))
    assert read_metadata(bare.read_bytes()) is None
    with pytest.raises(InputError, match="no TFLite Model Metadata") as e:
        require_metadata(bare.read_bytes(), str(bare))
    assert "\n" not in str(e.value)
    TfliteRunner(bare)  # our own runtime does not need the metadata
    with pytest.raises(MediaPipeError, match="[Mm]etadata"):  # MediaPipe itself refuses it, with its reason
        mediapipe_probs(mp_python, bare, ["ok"], ["negative", "neutral", "positive"])
