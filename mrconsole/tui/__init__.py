"""The Textual console. Talks only to the console core, never to heatclient."""
