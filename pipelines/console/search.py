"""Finding golden customers by what a steward has at hand: a name, an e-mail address, a
phone number, a source system's key or a golden id."""

from __future__ import annotations

from typing import Final

import pandas as pd
import sqlalchemy as sa

from warehouse import schema

_FOUND_AT_MOST: Final = 50


def find_customers(engine: sa.Engine, query: str) -> pd.DataFrame:
    """Golden customers whose golden id, source key, e-mail or phone is ``query``, or
    whose names hold every word of it (case does not matter), at most 50."""
    golden, xref, redirect = schema.golden_customer, schema.customer_xref, schema.golden_redirect
    text = query.strip()
    words = [w.lower() for w in text.split()]
    digits = "".join(ch for ch in text if ch.isdigit())
    names = sa.func.lower(
        sa.func.coalesce(golden.c.given_name, "") + " " + sa.func.coalesce(golden.c.family_name, "")
    )
    by_key = sa.select(xref.c.golden_id).where(
        sa.or_(xref.c.source_key == text, (xref.c.source + ":" + xref.c.source_key) == text)
    )
    by_redirect = sa.select(redirect.c.golden_id).where(redirect.c.retired_id == text)
    matches = [
        golden.c.golden_id == text,
        golden.c.golden_id.in_(by_key),
        golden.c.golden_id.in_(by_redirect),
        sa.func.lower(golden.c.email) == text.lower(),
        sa.and_(*(names.like(f"%{word}%") for word in words)) if words else sa.false(),
    ]
    if len(digits) >= 6:
        matches.append(golden.c.phone.like(f"%{digits}"))
    columns = [
        golden.c.golden_id,
        golden.c.given_name,
        golden.c.family_name,
        golden.c.email,
        golden.c.phone,
        golden.c.city,
        golden.c.record_count,
    ]
    with engine.connect() as connection:
        return pd.read_sql(
            sa.select(*columns)
            .where(sa.or_(*matches))
            .order_by(golden.c.family_name, golden.c.given_name, golden.c.golden_id)
            .limit(_FOUND_AT_MOST),
            connection,
        )
