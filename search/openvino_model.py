"""The fp32 ONNX export run by OpenVINO, its matrix products in bfloat16 where the CPU has them.

Why: int8 quantization (``onnx-int8``) doubles the embedding speed but moves every vector (cosine
0.9975 to fp32) and with it the near-ties of every ranking, so its gold-set figures differ from
fp32's by a case either way. bfloat16 matrix products accumulated in fp32 (AVX-512 BF16, AMX)
embed passages as fast as int8 on such a CPU and keep the vectors (cosine ≥ 0.99999 to fp32 on real
texts); a short search query costs twice int8's CPU (its pass is bound by reading the weights, and
bfloat16 weights are twice int8's bytes), which is why int8 stays the default. The runtime shares
the fp32 model name: an index built here is valid on a CPU without bfloat16, where the same runtime
runs fp32 (OpenVINO's own kernels, a little faster than ONNX Runtime's).
Measured: ``bench/embed_bench.py``; decision: ``docs/decisions/2026-12-02-bf16-runtime.md``.
"""

from __future__ import annotations

import os
import queue
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from search.batcher import padded
from search.onnx_model import OnnxEncoder

REQUESTS = 4  # passes one process runs at once at most: the ingest's workers, the server's micro-batches


@cache
def native_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 natively (as OpenVINO's CPU plugin reports it)."""
    import openvino as ov

    return "BF16" in ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")


class OpenVinoEncoder(OnnxEncoder):
    """``OnnxEncoder`` (same folder, tokenizer and prompts) with OpenVINO running the passes.

    One compiled model lends its inference requests to concurrent passes (the ingest's workers,
    the server's micro-batches), which run side by side; OpenVINO releases the GIL while a pass
    runs. ``streams`` passes run at once, each on ``threads`` threads (OpenVINO runs
    the requests of one stream one after another). Its threads are not pinned to cores: the
    server, its search processes and faiss share them."""

    def __init__(self, folder: Path, *, threads: int | None = None, streams: int = 1,
                 max_tokens: int | None = None) -> None:
        super().__init__(folder, threads=threads, max_tokens=max_tokens)
        self._streams = max(1, streams)
        self._requests: queue.SimpleQueue[Any] = queue.SimpleQueue()

    @property
    def precision(self) -> str:
        """``bf16`` or ``f32``: asked of OpenVINO when first needed (importing it and asking takes
        seconds on a cold disk), like the session, so a command that never runs a pass never pays."""
        return "bf16" if native_bf16() else "f32"

    def _load(self, path: Path) -> Any:
        import openvino as ov

        compiled = ov.Core().compile_model(str(path), "CPU", {
            "INFERENCE_PRECISION_HINT": self.precision,
            "INFERENCE_NUM_THREADS": (self._threads or os.cpu_count() or 1) * self._streams,
            "NUM_STREAMS": self._streams,
            "PERFORMANCE_HINT": "LATENCY",
            "ENABLE_CPU_PINNING": False,
        })
        # requests made once, here, and lent to one pass at a time: none is made or dropped while
        # others run (more callers than requests wait for one)
        for _ in range(REQUESTS):
            self._requests.put(compiled.create_infer_request())
        return compiled

    def _run(self, encodings: list[list[int]], outputs: list[str]) -> list[np.ndarray]:
        compiled = self._session
        ids, mask = padded(encodings, self._pad_id)
        request = self._requests.get()
        try:
            # handed the arrays to read (share_inputs), not copied into the request's own tensors
            # by OpenVINO's Python dispatcher: that copy hung under concurrent passes once
            result = request.infer({"input_ids": ids, "attention_mask": mask}, share_inputs=True)
            # the request's output tensors are overwritten by its next pass: copied before it is lent again
            return [np.array(result[compiled.output(name)]) for name in outputs]
        finally:
            self._requests.put(request)
