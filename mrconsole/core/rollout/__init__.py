"""A change rolled out region by region: the plan of waves, the status read back from Heat and the breakpoints
(waves), the driver that holds and releases them behind a gate (run).
"""
