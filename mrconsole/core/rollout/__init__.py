"""A change rolled out region by region: the plan of waves, the status read back from Heat and the breakpoints
(waves), the driver that holds and releases them (run), the gate between waves (gate), and the plan the
journal keeps for the next console or command (stored).
"""
