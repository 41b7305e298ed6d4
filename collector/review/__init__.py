"""Checking and reading the evidence: verify, the case report, doctor."""
