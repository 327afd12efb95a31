"""Token markets: candles as a trader sees them, and risk as an analyst measures it."""

import plotly.express as px
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from analytics.metrics.tokens import correlation_matrix, normalised_performance
from app.data import cached_candle_series, cached_candles, cached_token_closes, cached_token_report, ensure_database

store = ensure_database()
db = store.locator  # identifies the store in cache keys
series = cached_candle_series(db)

st.title("Token markets")
tokens = sorted(series["token"].unique())
c1, c2, c3 = st.columns([1, 2, 1])
token = c1.selectbox("Token", tokens, index=tokens.index("RENDER") if "RENDER" in tokens else 0)
options = series[series["token"] == token]
labels = [
    f"{r.symbol} · {r.exchange} ({r.instrument}, {r.timeframe}, {r.first_ts:%Y-%m-%d} .. {r.last_ts:%Y-%m-%d})"
    for r in options.itertuples()
]
choice = c2.selectbox("Series", range(len(labels)), format_func=lambda i: labels[i])
chosen = options.iloc[choice]
timeframes = sorted(
    series[(series["exchange"] == chosen["exchange"]) & (series["symbol"] == chosen["symbol"])]["timeframe"].unique()
)
timeframe = c3.selectbox("Timeframe", timeframes)
candles = cached_candles(db, chosen["exchange"], chosen["symbol"], timeframe)

instrument_note = {
    "perpetual": "USDT-margined perpetual futures, not spot",
    "spot": "spot market",
    "aggregate": "aggregated USD price across venues",
}[chosen["instrument"]]
title = f"{chosen['symbol']} on {chosen['exchange'].replace('_', ' ')}: {instrument_note}"

fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.75, 0.25], vertical_spacing=0.03)
fig.add_trace(
    go.Candlestick(
        x=candles["ts"],
        open=candles["open"],
        high=candles["high"],
        low=candles["low"],
        close=candles["close"],
        name=chosen["symbol"],
    ),
    row=1,
    col=1,
)
for window, colour in ((20, "#f2a900"), (50, "#7b61ff"), (200, "#00a3e0")):
    if len(candles) >= window:
        fig.add_trace(
            go.Scatter(
                x=candles["ts"],
                y=candles["close"].rolling(window).mean(),
                name=f"MA {window}",
                line={"width": 1.2, "color": colour},
            ),
            row=1,
            col=1,
        )
fig.add_trace(go.Bar(x=candles["ts"], y=candles["volume"], name="volume", marker_color="#9aa5b1"), row=2, col=1)

if token == "RENDER":
    rndr = series[series["token"] == "RNDR"]
    show_rndr = st.checkbox("Show the pre-migration RNDR history (separate series, different source)", value=False)
    if show_rndr and not rndr.empty:
        old = cached_candles(db, rndr.iloc[0]["exchange"], rndr.iloc[0]["symbol"], "1d")
        fig.add_trace(
            go.Scatter(
                x=old["ts"],
                y=old["close"],
                name=f"RNDR close ({rndr.iloc[0]['exchange']})",
                line={"dash": "dot", "color": "#888"},
            ),
            row=1,
            col=1,
        )
        fig.add_vline(x=old["ts"].max(), line_dash="dash", line_color="#c00")
        fig.add_annotation(
            x=old["ts"].max(),
            y=1.0,
            yref="paper",
            text="RNDR → RENDER migration: series and source change here (not spliced)",
            showarrow=False,
            xanchor="left",
            font={"color": "#c00"},
        )
    st.caption(
        "Render migrated from the Ethereum token RNDR to the Solana token RENDER in 2024. The two are kept "
        "as separate series from different sources; nothing is spliced."
    )

fig.update_layout(
    title=title,
    height=620,
    xaxis_rangeslider_visible=False,
    legend={"orientation": "h", "y": -0.08},
    xaxis={
        "rangeselector": {
            "buttons": [
                {"count": 1, "label": "1M", "step": "month", "stepmode": "backward"},
                {"count": 3, "label": "3M", "step": "month", "stepmode": "backward"},
                {"count": 6, "label": "6M", "step": "month", "stepmode": "backward"},
                {"count": 1, "label": "1Y", "step": "year", "stepmode": "backward"},
                {"step": "all", "label": "All"},
            ]
        }
    },
)
fig.update_yaxes(title_text=f"price ({chosen['quote']})", row=1, col=1)
fig.update_yaxes(title_text="volume", row=2, col=1)
st.plotly_chart(fig, width="stretch")
st.caption(
    f"Source: dataset `{chosen['dataset_id']}` ({len(candles):,} candles, last {chosen['last_ts']:%Y-%m-%d}). "
    "See Data & sources for the repository and commit."
)

closes, chosen_series = cached_token_closes(db)
st.subheader("Performance since a common start")
default = [t for t in ("RENDER", "AKT", "IO", "BTC", "ETH") if t in closes]
picked = st.multiselect("Tokens", sorted(closes), default=default)
if picked:
    perf = normalised_performance({t: closes[t] for t in picked})
    if perf.empty:
        st.info("These series do not overlap in time.")
    else:
        st.plotly_chart(
            px.line(
                perf,
                labels={"value": "growth of 1 unit", "index": "", "variable": "token"},
                title=f"Normalised to 1.0 on {perf.index[0]:%Y-%m-%d} (first common day)",
            ),
            width="stretch",
        )

st.subheader("Correlation of daily returns (last 365 days)")
corr = correlation_matrix({t: closes[t] for t in sorted(closes)})
st.plotly_chart(
    px.imshow(corr, text_auto=".2f", zmin=-1, zmax=1, color_continuous_scale="RdBu_r", aspect="auto"), width="stretch"
)

st.subheader("Volatility and drawdowns")
report = cached_token_report(db)
table = [
    {
        "token": r["token"],
        "close": r["last_close"],
        "as of": r["as_of"],
        "return 30d": r["return_30d"],
        "return 365d": r["return_365d"],
        "vol 30d": r["volatility_30d"],
        "vol 90d": r["volatility_90d"],
        "vol 365d": r["volatility_365d"],
        "max drawdown": r["max_drawdown"],
        "current drawdown": r["current_drawdown"],
        "beta BTC": r.get("beta_btc"),
        "corr BTC": r.get("corr_btc"),
        "beta ETH": r.get("beta_eth"),
        "series": f"{r['series']['symbol']} {r['series']['exchange']} ({r['series']['instrument']})",
    }
    for r in report
]
percent = {
    c: st.column_config.NumberColumn(format="percent")
    for c in ("return 30d", "return 365d", "vol 30d", "vol 90d", "vol 365d", "max drawdown", "current drawdown")
}
st.dataframe(table, hide_index=True, width="stretch", column_config=percent)
st.caption(
    "Volatility: annualised standard deviation of daily log returns (x sqrt(365)). Beta and correlation: "
    "daily log returns on overlapping days, last 365 days. Same numbers as `depin tokens --json`."
)
