"""Acting on stacks: what an action would do (plan, preflight, preview, choices), whether the role and the config
allow it (permissions, protect), sending it and journaling it (actions), creates and launches, what a region's
Heat accepts (compat), the operator's own commands.
"""
