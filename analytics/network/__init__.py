"""Network economics: dated demand, supply, burn and emission metrics per DePIN network, and the ratios
built from them (issuance coverage, annualised revenue, FDV / revenue, demand vs emission growth).

- bundled.py: the bundled files in data/network/ -> network_metrics rows with provenance
- metrics.py: reading the stored series back (one row per date, the live collector preferred)
- emissions.py: monthly token incentives from the 1kx data and from our own schedules priced with candles
- coverage.py: pure ratio maths on those frames
- report.py: everything for one network, as the CLI, the page and due diligence use it
"""

NETWORKS: tuple[str, ...] = ("akash", "aethir", "ionet", "render")
