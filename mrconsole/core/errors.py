"""The errors the core lets through to its callers (the console, the command line).

A region that cannot be read or an action Heat refused arrives as a
`CloudError` (a kind and a one-line message); the views show the message and
never need the cloud layer itself.
"""

from mrconsole.cloud.errors import CloudError

__all__ = ["CloudError"]
