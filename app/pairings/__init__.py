"""Pairings the provincial offices manage: versioned, so a past period reads the version in force then."""
