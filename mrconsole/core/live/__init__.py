"""The console's live state: the session, the regions' watches and event streams, the fleet it reads through, the
typed changes it publishes and the interface the screens see.
"""
