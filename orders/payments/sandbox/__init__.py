"""A simulated card gateway on loopback, for the demo and the tests (see docs/payments.md).

Product code never imports this package; only demo and test wiring does.
"""
