"""Live benchmark: detect the hardware, measure what it delivers, store runs, price the work per market."""
