"""The demo's catalogue, made from the sandbox partners' catalogue. Demo and test wiring only:
product code never imports this package."""
