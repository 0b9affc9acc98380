"""One data module per year (`y2026`, ...), each defining `RULE_SET`."""
