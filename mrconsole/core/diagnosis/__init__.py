"""Diagnosis: why a stack failed across regions, the incident timeline, a master's operations (and each
region's standing), outputs and resources across regions (secrets masked), and the reports the CLI and the
console print.
"""
