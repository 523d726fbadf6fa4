"""Card payments through a gateway: the interface, its HTTP client and (in sandbox/) a simulated
gateway for the demo and the tests. Card numbers never reach this package: the browser sends
them to the gateway, which hands back a token."""
