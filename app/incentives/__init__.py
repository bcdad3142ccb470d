"""Four-party incentives: rules as data, an append-only ledger, publicity, approval and payment batches."""
