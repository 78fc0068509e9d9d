"""Benchmarks: the SDK side by side with raw websocket-client (and raw requests) on the same
server in the same run. ``python -m benchmarks`` runs them all; see ``benchmarks/README.md``."""
