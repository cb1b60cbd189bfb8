"""A change rolled out region by region: the plan of waves, the status read back from Heat and the breakpoints
(waves), the driver that holds and releases them (run), the gate between waves (gate), the operation's record kept in
Heat for any operator (record), and the plan the journal kept before it (stored).
"""
