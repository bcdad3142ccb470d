"""Weekly retention reports: what lasted, for every county, employer, pairing and channel."""
