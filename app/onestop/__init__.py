"""One-stop services: social-insurance continuation and cross-region medical checklists per placement."""
