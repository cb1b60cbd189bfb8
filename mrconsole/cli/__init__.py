"""Command-line twins of every console view."""
