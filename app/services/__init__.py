"""Workflow steps: small functions, each one transaction, each audited."""
