"""Bulk import: folders of .txt/.html/.docx/.pdf files and tables (.xlsx/.csv/.jsonl) -> records.

Each format module turns one file into ``(raw text, metadata)`` records; ``importer`` walks the
paths, runs them and hands each record to the ordinary pipeline. A bad file or row becomes a
:class:`~ingest.formats.records.Problem` with its path and row, and the rest goes on.
"""
