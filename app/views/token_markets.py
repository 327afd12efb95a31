"""Token markets: candles as a trader sees them, and risk as an analyst measures it."""

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from analytics import formatting as fmt
from analytics.markets.candle_view import (
    RANGES,
    TIMEFRAME_WORDS,
    in_range,
    informative_correlations,
    price_bounds,
    with_moving_averages,
)
from analytics.markets.chart_candles import WIDTH_WORDS
from analytics.metrics.tokens import correlation_matrix, normalised_performance
from app.charts import DOWN, OKABE_ITO, UP, shared_figure, show_chart, style
from app.data import (
    cached_candle_series,
    cached_candles,
    cached_chart_candles,
    cached_token_closes,
    cached_token_report,
    ensure_database,
)
from app.format import number, percent, price, show_table, text
from app.layout import answer, filters_container

store = ensure_database()
db = store.locator  # identifies the store in cache keys
series = cached_candle_series(db)
report = cached_token_report(db)
by_token = {r["token"]: r for r in report}


st.title("Token markets")
headline = by_token.get("RENDER") or (report[0] if report else None)
if headline:
    btc = by_token.get("BTC", {})
    answer(
        f"{headline['token']} last closed at {fmt.price(headline['last_close'])} on {headline['as_of']}: "
        f"{fmt.percent(headline['return_365d'], fraction=True, signed=True)} over a year, with a 90-day "
        f"volatility of {fmt.percent(headline['volatility_90d'], 0, fraction=True)} against "
        f"{fmt.percent(btc.get('volatility_90d'), 0, fraction=True)} for Bitcoin and a "
        f"{fmt.percent(headline['max_drawdown'], 0, fraction=True)} worst fall from a peak."
    )

tokens = sorted(series["token"].unique())
with filters_container("Chart settings", expanded=True):
    c1, c2 = st.columns([1, 3])
    token = c1.selectbox("Token", tokens, index=tokens.index("RENDER") if "RENDER" in tokens else 0)
    options = series[series["token"] == token].drop_duplicates(["exchange", "symbol"]).reset_index(drop=True)
    choice = c2.selectbox(
        "Series",
        range(len(options)),
        format_func=lambda i: (
            f"{fmt.exchange_name(options.iloc[i]['exchange'])} · {options.iloc[i]['first_ts']:%Y-%m-%d} to "
            f"{options.iloc[i]['last_ts']:%Y-%m-%d}"
        ),
    )
    chosen = options.iloc[choice]
    timeframes = sorted(
        series[(series["exchange"] == chosen["exchange"]) & (series["symbol"] == chosen["symbol"])]["timeframe"]
    )
    window = st.segmented_control("Range", list(RANGES), default="1Y", help="Counted back from the latest candle")
    window = window or "All"
    if len(timeframes) > 1:
        timeframe = st.radio(
            "Timeframe", timeframes, horizontal=True, format_func=lambda t: f"one candle per {TIMEFRAME_WORDS[t]}"
        )
    else:
        timeframe = timeframes[0]
        st.caption(
            f"One candle per {TIMEFRAME_WORDS.get(timeframe, timeframe)}: the only timeframe stored for this "
            "series. Hourly candles appear here after `depin refresh --only ccxt`."
        )


@shared_figure
def candle_chart(db: str, series_key: tuple, token: str, timeframe: str, window: str, rndr_overlay: bool) -> go.Figure:
    """Candles, moving averages and volume of one series in one window; with `rndr_overlay`, the pre-migration
    RNDR closes beside RENDER (separate series, never spliced)."""
    exchange, symbol, quote, instrument = series_key
    chart = cached_chart_candles(db, exchange, symbol, timeframe, window)
    candles = in_range(with_moving_averages(chart.candles), window)
    period = WIDTH_WORDS.get(chart.width) or TIMEFRAME_WORDS.get(chart.width, chart.width)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.75, 0.25], vertical_spacing=0.04)
    fig.add_trace(
        go.Candlestick(
            x=candles["ts"],
            open=candles["open"],
            high=candles["high"],
            low=candles["low"],
            close=candles["close"],
            name=symbol,
            increasing={"line": {"color": UP}, "fillcolor": UP},
            decreasing={"line": {"color": DOWN}, "fillcolor": DOWN},
        ),
        row=1,
        col=1,
    )
    for colour, column in zip(OKABE_ITO[1:], [c for c in candles.columns if c.startswith("ma_")], strict=False):
        fig.add_trace(
            go.Scatter(
                x=candles["ts"],
                y=candles[column],
                name=f"{column.removeprefix('ma_')}-{period} average",
                line={"width": 1.4, "color": colour},
            ),
            row=1,
            col=1,
        )
    fig.add_trace(
        go.Bar(x=candles["ts"], y=candles["volume"], name=f"Volume ({token})", marker_color="#999999"), row=2, col=1
    )
    x_start, x_end = candles["ts"].min(), candles["ts"].max()
    bounds = price_bounds(candles)
    if rndr_overlay:
        old_series, old = rndr_history(db, x_start, window)
        fig.add_trace(
            go.Scatter(
                x=old["ts"],
                y=old["close"],
                name=f"RNDR close ({fmt.exchange_name(old_series['exchange'])})",
                line={"dash": "dot", "color": "#000000"},
            ),
            row=1,
            col=1,
        )
        x_start = min(x_start, old["ts"].min())
        low, high = bounds or (old["close"].min(), old["close"].max())
        bounds = (min(low, float(old["close"].min())), max(high, float(old["close"].max())))
        fig.add_vline(x=old_series["last_ts"], line_dash="dash", line_color=DOWN)
        fig.add_annotation(
            x=old_series["last_ts"],
            y=1.0,
            yref="paper",
            text="RNDR → RENDER migration (not spliced)",
            showarrow=False,
            xanchor="right",
            font={"color": DOWN},
        )
    instrument_note = {
        "perpetual": "USDT-margined perpetual futures, not spot",
        "spot": "spot market",
        "aggregate": "aggregated USD price across venues",
    }[instrument]
    style(fig, height=600, recolour=False)
    fig.update_layout(
        title=f"{symbol} on {fmt.exchange_name(exchange)}: {instrument_note}", xaxis_rangeslider_visible=False
    )
    fig.update_xaxes(range=[x_start, x_end])  # never beyond the data (the RNDR overlay once stretched it to 2027)
    if bounds:
        fig.update_yaxes(range=list(bounds), row=1, col=1)
    fig.update_yaxes(title_text=f"Price ({quote})", row=1, col=1)
    fig.update_yaxes(title_text=f"Volume ({token}/{period})", row=2, col=1)
    return fig


def rndr_history(db: str, x_start, window: str) -> tuple[pd.Series | None, pd.DataFrame]:
    """The pre-migration RNDR series and its daily candles from `x_start` (all of them for 'All')."""
    rndr = series[series["token"] == "RNDR"]
    if rndr.empty:
        return None, pd.DataFrame()
    old_series = rndr.iloc[0]
    old = cached_candles(db, old_series["exchange"], old_series["symbol"], "1d")
    return old_series, (old[old["ts"] >= x_start] if window != "All" else old)


@shared_figure
def performance_chart(db: str, picked: tuple[str, ...]) -> go.Figure:
    closes, _ = cached_token_closes(db)
    perf = normalised_performance({t: closes[t] for t in picked})
    line = px.line(perf, title=f"Value of 1 unit bought on {perf.index[0]:%Y-%m-%d} (first common day)")
    return style(line, x_title="", y_title="Growth (1.0 = unchanged)", legend_title="", dashes=True)


@shared_figure
def correlation_chart(db: str) -> go.Figure:
    closes, _ = cached_token_closes(db)
    corr, _ = informative_correlations(correlation_matrix({t: closes[t] for t in sorted(closes)}))
    heatmap = px.imshow(corr, text_auto=".2f", zmin=-1, zmax=1, color_continuous_scale="RdBu_r", aspect="auto")
    return style(heatmap, x_title="", y_title="", recolour=False).update_layout(coloraxis_colorbar_title="ρ")


# The window (plus a warm-up for the moving averages) comes from DuckDB, merged into wider candles when it holds
# more than a chart can show: a year of one-minute candles would be half a million points.
chart = cached_chart_candles(db, chosen["exchange"], chosen["symbol"], timeframe, window)
view = in_range(chart.candles, window)
in_view = len(view)
period = WIDTH_WORDS.get(chart.width) or TIMEFRAME_WORDS.get(chart.width, chart.width)
rndr_overlay = False
if token == "RENDER":
    old_series, old = rndr_history(db, view["ts"].min(), window)
    if old_series is not None:
        if old.empty:
            st.caption(
                f"The pre-migration RNDR series ends on {old_series['last_ts']:%Y-%m-%d}, before this range: "
                "choose 'All' to see it."
            )
        else:
            rndr_overlay = st.checkbox(
                "Show the pre-migration RNDR history (separate series, different source)", value=False
            )
    st.caption(
        "Render migrated from the Ethereum token RNDR to the Solana token RENDER in 2024. The two are kept "
        "as separate series from different sources; nothing is spliced."
    )
series_key = (chosen["exchange"], chosen["symbol"], chosen["quote"], chosen["instrument"])
show_chart(candle_chart(db, series_key, token, timeframe, window, rndr_overlay))
merged = (
    f" The {chart.in_window:,} stored {TIMEFRAME_WORDS.get(timeframe, timeframe)} candles of this range are shown "
    f"merged into {in_view:,} candles of one {period} each (first open, highest high, lowest low, last "
    "close, summed volume); the averages count those."
    if chart.aggregated
    else ""
)
st.caption(
    f"Source: dataset `{chosen['dataset_id']}` ({in_view:,} candles in view of {chart.stored:,} stored, last "
    f"{chosen['last_ts']:%Y-%m-%d}). Volume counts {token} traded per {period}. See Data & sources for the "
    f"repository and commit.{merged}"
)

closes, chosen_series = cached_token_closes(db)
st.subheader("Performance since a common start")
default = [t for t in ("RENDER", "AKT", "IO", "BTC", "ETH") if t in closes]
picked = st.multiselect("Tokens", sorted(closes), default=default)
if picked:
    if normalised_performance({t: closes[t] for t in picked}).empty:
        st.info("These series do not overlap in time.")
    else:
        show_chart(performance_chart(db, tuple(picked)))

st.subheader("Correlation of daily returns (last 365 days)")
show_chart(correlation_chart(db))
left_out = informative_correlations(correlation_matrix({t: closes[t] for t in sorted(closes)}))[1]
if left_out:
    ended = ", ".join(f"{t} (series ends {chosen_series[t]['last']})" for t in left_out)
    st.caption(f"Left out: {ended}: no daily returns overlap the last 365 days of the other tokens.")

st.subheader("Volatility and drawdowns")
no_beta = "not computed against itself, or fewer than 30 overlapping days"
risk_columns = {
    "token": text("Token", pinned=True),
    "last_close": price("Last close", "In the series' quote currency (USDT for exchanges, USD for aggregates)"),
    "as_of": text("As of"),
    "return_30d": percent("30-day return", fraction=True, signed=True),
    "return_365d": percent("1-year return", fraction=True, signed=True, why_missing="less than a year of data"),
    "volatility_30d": percent("Volatility 30 d", "Annualised", fraction=True),
    "volatility_90d": percent("Volatility 90 d", "Annualised", fraction=True),
    "volatility_365d": percent("Volatility 1 y", "Annualised", fraction=True, why_missing="less than a year"),
    "max_drawdown": percent("Worst drawdown", "Largest fall from a previous peak", fraction=True),
    "current_drawdown": percent("Below peak now", fraction=True),
    "beta_btc": number("Beta to BTC", why_missing=no_beta),
    "corr_btc": number("Correlation to BTC", why_missing=no_beta),
    "beta_eth": number("Beta to ETH", why_missing=no_beta),
    "corr_eth": number("Correlation to ETH", why_missing=no_beta),
    "series_label": text("Series"),
}
rows = [
    {**r, "series_label": f"{r['series']['symbol']} · {fmt.exchange_name(r['series']['exchange'])}"} for r in report
]
show_table(pd.DataFrame(rows).reindex(columns=list(risk_columns)), risk_columns)
st.caption(
    "Volatility: annualised standard deviation of daily log returns (x sqrt(365)). Beta and correlation: "
    "daily log returns on overlapping days, the last 365 days of each series (RNDR's end in 2024). Same "
    "numbers as `depin tokens --json`."
)
