"""Tamper evidence that covers the ledger: 人账相符 check, chain head beside the store, damaged or
missing stores never silently replaced, and the support ``sql`` command."""
