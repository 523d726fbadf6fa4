"""The retailer's catalogue: codes, prices, partner lookups and the associate's pages."""
