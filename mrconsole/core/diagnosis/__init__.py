"""Diagnosis: why a stack failed across regions, the incident timeline, outputs and resources across regions
(secrets masked), and the reports the CLI and the console print.
"""
