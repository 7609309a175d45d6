"""The phases of bench/locations.py ("Field agents" in docs/benchmarks.md): the GPS ingest, on
Oqim or a peer, and the reads of the history (tracks, trips and stops, the clients' list)."""
