"""mrconsole: a terminal console for operating OpenStack Heat across regions."""

__version__ = "0.1.0"
