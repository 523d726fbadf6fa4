"""A loopback OpenID Connect provider shaped like Cognito, for the demo and the tests only.

Product code never imports this package (the JOSE library it signs with is a development
dependency)."""
