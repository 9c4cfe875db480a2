"""The demo court site, the local HTTP server of the demo, tests and benchmarks, and the demo runner."""
