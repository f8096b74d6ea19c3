"""The department marts, on customers and interactions small enough to reckon by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from warehouse.marts import department_marts, quintile_scores

AS_OF = pd.Timestamp("2025-07-01", tz="UTC")

_CONTACT = ("given_name", "family_name", "email", "phone", "street", "postcode", "city", "country")
_INTERACTION = (
    "golden_id",
    "kind",
    "occurred_at",
    "closed_at",
    "amount",
    "cost",
    "currency",
    "channel",
    "status",
    "topic",
)


def _golden(**customers: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"golden_id": golden_id, **{c: values.get(c) for c in _CONTACT}}
            for golden_id, values in customers.items()
        ]
    )


def _interactions(*rows: dict[str, object]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=list(_INTERACTION))
    for name in ("occurred_at", "closed_at"):
        frame[name] = pd.to_datetime(frame[name], utc=True, format="ISO8601")
    return frame


def _said(golden_id: str, day: str, channel: str, status: str) -> dict[str, object]:
    """A consent statement."""
    return {
        "golden_id": golden_id,
        "kind": "consent",
        "occurred_at": day,
        "channel": channel,
        "status": status,
    }


def _case(
    golden_id: str,
    kind: str,
    day: str,
    channel: str,
    status: str | None = None,
    closed_at: str | None = None,
) -> dict[str, object]:
    """A ticket or a complaint."""
    return {
        "golden_id": golden_id,
        "kind": kind,
        "occurred_at": day,
        "channel": channel,
        "status": status,
        "closed_at": closed_at,
    }


def _order(
    golden_id: str, day: str, amount: float, cost: float | None = None, currency: str = "EUR"
) -> dict[str, object]:
    return {
        "golden_id": golden_id,
        "kind": "order",
        "occurred_at": day,
        "channel": "web",
        "amount": amount,
        "cost": cost,
        "currency": currency,
        "topic": "books",
    }


def test_marketing_lists_only_consented_reachable_channels_and_hides_the_other_addresses() -> None:
    everything = {
        "email": "a@x.no",
        "phone": "+4711111111",
        "street": "Storgata 1",
        "postcode": "0155",
        "city": "Oslo",
    }
    golden = _golden(
        withdrew=everything,  # granted e-mail, withdrew it later; granted post
        same_time=everything,  # granted and withdrew at one time, from two records
        texts=everything,  # granted sms, mostly calls in
        no_address={"email": None},  # granted e-mail, but the hub knows no address
        silent=everything,  # never said anything
    )
    interactions = _interactions(
        _said("withdrew", "2024-01-01", "email", "granted"),
        _said("withdrew", "2024-06-01", "email", "withdrawn"),
        _said("withdrew", "2023-01-01", "post", "granted"),
        _said("same_time", "2024-01-01", "email", "withdrawn"),
        _said("same_time", "2024-01-01", "email", "granted"),
        _said("texts", "2024-01-01", "sms", "granted"),
        _said("texts", "2024-01-01", "email", "granted"),
        _case("texts", "ticket", "2024-02-01", "phone"),
        _case("texts", "ticket", "2024-03-01", "phone"),
        _case("texts", "ticket", "2024-04-01", "email"),
        _said("no_address", "2024-01-01", "email", "granted"),
    )
    marketing = department_marts(golden, interactions, as_of=AS_OF).marketing.set_index("golden_id")

    assert sorted(marketing.index) == ["texts", "withdrew"]
    withdrew, texts = marketing.loc["withdrew"], marketing.loc["texts"]
    channels = ["by_email", "by_phone", "by_sms", "by_post"]
    assert withdrew[channels].tolist() == [False, False, False, True]
    assert withdrew["preferred_channel"] == "post"
    assert pd.isna(withdrew["email"]) and pd.isna(withdrew["phone"])
    assert (withdrew["street"], withdrew["postcode"], withdrew["city"]) == (
        "Storgata 1",
        "0155",
        "Oslo",
    )
    assert texts[channels].tolist() == [True, False, True, False]
    # Its calls were on a channel it did not open; of the open ones it used e-mail most.
    assert texts["preferred_channel"] == "email"
    assert (texts["email"], texts["phone"]) == ("a@x.no", "+4711111111")
    assert pd.isna(texts["street"]) and pd.isna(texts["city"])
    assert (marketing["rfm_segment"] == "prospect").all()


def test_the_preferred_channel_is_the_open_one_used_most() -> None:
    golden = _golden(caller={"email": "c@x.no", "phone": "+4722222222"})
    interactions = _interactions(
        _said("caller", "2024-01-01", "email", "granted"),
        _said("caller", "2024-01-01", "phone", "granted"),
        _case("caller", "ticket", "2024-02-01", "phone"),
        _case("caller", "complaint", "2024-03-01", "phone"),
        _case("caller", "ticket", "2024-04-01", "email"),
    )
    marketing = department_marts(golden, interactions, as_of=AS_OF).marketing
    assert marketing["preferred_channel"].tolist() == ["phone"]


def test_quintile_scores_rank_ties_alike_whatever_the_order() -> None:
    values = pd.Series([1, 1, 1, 1, 2, 3, 4, 5, 6, 7], index=list("abcdefghij"))
    scores = quintile_scores(values)
    assert scores.tolist() == [1, 1, 1, 1, 3, 3, 4, 4, 5, 5]
    shuffled = values.sample(frac=1, random_state=3)
    assert quintile_scores(shuffled).sort_index().equals(scores)


def test_rfm_scores_recency_frequency_and_money_within_each_currency() -> None:
    # Ten buyers: buyer i ordered i + 1 times, the last time i days before 30 June 2025.
    buyers = {f"b{i}": {} for i in range(10)}
    golden = _golden(**buyers, browser={})
    orders = [
        _order(
            f"b{i}",
            str(pd.Timestamp("2025-06-30") - pd.Timedelta(days=i + 10 * n)),
            10.0 * (i + 1),
            currency="EUR" if i < 5 else "NOK",
        )
        for i in range(10)
        for n in range(i + 1)
    ]
    marketing_free = department_marts(golden, _interactions(*orders), as_of=AS_OF)
    sales = marketing_free.sales.set_index("golden_id")
    finance = marketing_free.finance_customers.set_index("golden_id")
    assert sales.loc["b9", "order_count"] == 10 and sales.loc["browser", "order_count"] == 0
    # b0 ordered last, once; b9 longest ago, ten times.
    assert finance.loc["b0", "rfm_segment"] == "new"
    assert finance.loc["b9", "rfm_segment"] == "cannot lose"
    assert "browser" not in finance.index

    segments = _segments(golden, orders)
    assert segments.loc["b0", ["r_score", "f_score"]].tolist() == [5, 1]
    assert segments.loc["b9", ["r_score", "f_score"]].tolist() == [1, 5]
    # Money is ranked among customers paying in the same currency.
    assert segments.loc[["b0", "b4", "b5", "b9"], "m_score"].tolist() == [1, 5, 1, 5]
    assert segments.loc["b3", "recency_days"] == 4  # 2025-06-27 to 2025-07-01
    assert segments.loc["browser", "rfm_segment"] == "prospect"
    assert pd.isna(segments.loc["browser", "r_score"])


def _segments(golden: pd.DataFrame, orders: list[dict[str, object]]) -> pd.DataFrame:
    """RFM of every customer: everyone consents to e-mail, so the marketing mart has all."""
    golden = golden.assign(email=golden["golden_id"] + "@x.no")
    consent = [_said(g, "2020-01-01", "email", "granted") for g in golden["golden_id"]]
    marts = department_marts(golden, _interactions(*orders, *consent), as_of=AS_OF)
    return marts.marketing.set_index("golden_id")


def test_service_counts_open_and_closed_tickets_and_complaints() -> None:
    golden = _golden(asker={"email": "q@x.no"}, quiet={})
    interactions = _interactions(
        _case("asker", "ticket", "2025-01-01T00:00Z", "email", closed_at="2025-01-02T12:00Z"),
        _case("asker", "ticket", "2025-02-01T00:00Z", "chat", status="open"),
        _case("asker", "ticket", "2025-03-01T00:00Z", "chat"),
        _case("asker", "complaint", "2025-04-01T00:00Z", "phone", status="resolved"),
        _case("asker", "complaint", "2025-05-01T00:00Z", "phone", closed_at="2025-05-01T06:00Z"),
        _order("asker", "2025-06-01", 20.0),
    )
    service = department_marts(golden, interactions, as_of=AS_OF).service.set_index("golden_id")
    asker, quiet = service.loc["asker"], service.loc["quiet"]
    counts = ["open_tickets", "closed_tickets", "open_complaints", "closed_complaints"]
    assert asker[counts].tolist() == [2, 1, 0, 2]
    assert asker["oldest_open_at"] == pd.Timestamp("2025-02-01", tz="UTC")
    assert asker["last_contact_at"] == pd.Timestamp("2025-05-01", tz="UTC")
    assert asker["mean_hours_to_close"] == pytest.approx((36 + 6) / 2)
    assert quiet[counts].tolist() == [0, 0, 0, 0] and pd.isna(quiet["last_contact_at"])


def test_finance_sums_margin_over_orders_with_a_cost_per_currency_and_segment() -> None:
    golden = _golden(one={}, two={})
    orders = [
        _order("one", "2025-06-01", 100.0, 60.0),
        _order("one", "2025-06-02", 50.0, None),
        _order("one", "2025-06-03", 300.0, 100.0, currency="SEK"),
        _order("two", "2024-01-01", 40.0, 30.0),
    ]
    marts = department_marts(golden, _interactions(*orders), as_of=AS_OF)
    finance = marts.finance_customers.set_index(["golden_id", "currency"])
    one_eur = finance.loc[("one", "EUR")]
    assert one_eur[
        ["order_count", "revenue", "cost", "margin", "orders_without_cost"]
    ].tolist() == [2, 150.0, 60.0, 40.0, 1]
    assert one_eur["margin_rate"] == pytest.approx(40 / 100)
    assert finance.loc[("one", "SEK"), ["revenue", "margin"]].tolist() == [300.0, 200.0]
    segments = marts.finance_segments.set_index(["rfm_segment", "currency"])
    assert segments["customers"].sum() == 3  # "one" counts once in each currency
    assert segments["revenue"].sum() == 490.0
    # "one" ordered last and most often of the two, "two" once, long ago.
    assert segments.loc[("need attention", "EUR"), ["revenue", "margin"]].tolist() == [150.0, 40.0]
    hibernating = segments.loc[("hibernating", "EUR")]
    assert hibernating[["customers", "revenue", "cost", "margin"]].tolist() == [1, 40.0, 30.0, 10.0]
    assert hibernating["margin_rate"] == pytest.approx(0.25)


def test_marts_of_customers_without_any_interaction() -> None:
    golden = _golden(alone={"email": "a@x.no"})
    marts = department_marts(golden, _interactions(), as_of=AS_OF)
    assert marts.sales["order_count"].tolist() == [0]
    assert marts.marketing.empty
    assert marts.service["open_tickets"].tolist() == [0]
    assert marts.finance_customers.empty and marts.finance_segments.empty
