"""Heat's naming of remote stacks, for the views (the rule itself lives in template/heat.py)."""

from mrconsole.template.heat import looks_like_constituent, name_splits

__all__ = ["looks_like_constituent", "name_splits"]
