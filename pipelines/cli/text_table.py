"""Frames as plain text tables for the terminal, as the `hub` commands print them."""

from __future__ import annotations

import pandas as pd


def text_table(frame: pd.DataFrame) -> list[str]:
    """The frame's header and rows as lines, each column left-aligned to its widest value."""
    text = frame.astype(str)
    widths = {c: max(len(c), *(len(v) for v in text[c])) for c in text.columns}
    header = "  ".join(f"{c:<{widths[c]}}" for c in text.columns)
    body = [
        "  ".join(f"{value:<{widths[c]}}" for c, value in zip(text.columns, row, strict=True))
        for row in text.itertuples(index=False)
    ]
    return [header.rstrip(), *(line.rstrip() for line in body)]
