"""The fast tier: logic, the CLI without a cloud, fuzzing; no lab, no screen."""
