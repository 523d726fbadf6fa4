"""Three simulated drop-ship partners on loopback, for the demo, the tests and the benchmarks.

Product code never imports this package; only demo and test wiring does.
"""
