"""Token markets: the token list, ccxt candles, CoinGecko market data, tokenomics facts."""
