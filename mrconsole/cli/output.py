"""One output model for every command (#35), as `openstack` has it: `-f/--format table|json|yaml|value|csv`
and `-c/--column COLUMN` (repeatable), beside each command's own human format (`text`, `log`, `md`), which
`table` names. Commands print their human format or JSON; the other formats are made here from the JSON, so
every command gets them the same way:

- the rows are the document itself when it is a list, else its one list of objects (`{"outputs": [...]}`);
  `-c` keeps those columns (keys), in the order given; `value` prints each row's values, space-separated,
  with no header (for `read` in a shell); `csv` a header then the rows; `yaml` the whole document;
- a command that streams (`events --follow`) writes one JSON object per line: each line is converted as it
  comes, so a follow in `value` or `csv` still streams.
"""

from __future__ import annotations

import csv
import io
import json
import sys

MADE_HERE = ("yaml", "value", "csv")
EVERY = ("table", "json", "yaml", "value", "csv")


def add_format(parser, native: tuple[str, ...], default: str) -> None:
    """`-f/--format` (the command's own formats and every one above) and `-c/--column`."""
    choices = tuple(dict.fromkeys((*EVERY, *native)))
    human = next((f for f in native if f != "json"), "table")
    parser.add_argument(
        "-f",
        "--format",
        choices=choices,
        default=default,
        help=f"output format (default {default}; table is {human}; yaml, value and csv are made from json)",
    )
    parser.add_argument(
        "-c",
        "--column",
        dest="columns",
        action="append",
        default=[],
        metavar="COLUMN",
        help="only this column of each row, in json, yaml, value or csv (repeatable)",
    )
    parser.set_defaults(_human_format=human)


def prepare(args) -> tuple[str, list[str]] | None:
    """Before the command runs: `table` as the command's human format; a format made here (or -c) asks the
    command for JSON, and returns what to make of it (else None: the command prints as it always did)."""
    if not hasattr(args, "_human_format"):
        return None
    if args.format == "table" and args._human_format != "table":
        args.format = args._human_format
    wanted, columns = args.format, list(args.columns or [])
    if wanted in MADE_HERE or (columns and wanted == "json"):
        args.format = "json"
        return wanted, columns
    if columns:
        raise ValueError(f"-c selects columns in json, yaml, value or csv, not in {wanted}")
    return None


def rows_of(doc) -> list[dict]:
    if isinstance(doc, list):
        return [r if isinstance(r, dict) else {"value": r} for r in doc]
    if isinstance(doc, dict):
        lists = [v for v in doc.values() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)]
        if len(lists) == 1:
            return lists[0]
        return [doc]
    return [{"value": doc}]


def _cell(value) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=False)
    return "" if value is None else str(value)


def _select(rows: list[dict], columns: list[str]) -> tuple[list[str], list[list[str]]]:
    keys = columns or list(dict.fromkeys(k for r in rows for k in r))
    unknown = [c for c in columns if rows and not any(c in r for r in rows)]
    if unknown:
        known = ", ".join(dict.fromkeys(k for r in rows for k in r))
        raise ValueError(f"no column {', '.join(unknown)} (columns: {known})")
    return keys, [[_cell(r.get(k)) for k in keys] for r in rows]


def render(doc, wanted: str, columns: list[str], header: bool = True) -> str:
    if wanted == "yaml" and not columns:
        import yaml  # lazy: only this format needs it

        return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    rows = rows_of(doc)
    keys, cells = _select(rows, columns)
    if wanted == "json":
        return json.dumps([dict(zip(keys, (r.get(k) for k in keys), strict=True)) for r in rows], indent=2) + "\n"
    if wanted == "yaml":
        import yaml

        return yaml.safe_dump([{k: r.get(k) for k in keys} for r in rows], sort_keys=False, allow_unicode=True)
    if wanted == "value":
        return "".join(" ".join(row) + "\n" for row in cells)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(keys)
    writer.writerows(cells)
    return out.getvalue()


class Converting(io.TextIOBase):
    """stdout while a command writes JSON that the operator asked to see otherwise. Whole documents are
    converted at the end (`finish`); a stream of one object per line, line by line as it comes."""

    def __init__(self, target, wanted: str, columns: list[str]):
        self.target, self.wanted, self.columns = target, wanted, columns
        self.buffer_text = ""
        self.streamed = False

    def write(self, text: str) -> int:
        self.buffer_text += text
        # One complete object per line, written as it comes: convert it now (a follow keeps streaming).
        while "\n" in self.buffer_text and self.buffer_text.startswith("{"):
            line, rest = self.buffer_text.split("\n", 1)
            try:
                doc = json.loads(line)
            except ValueError:
                break  # an indented document: whole at the end
            self.target.write(render(doc, self.wanted, self.columns, header=not self.streamed))
            self.target.flush()
            self.streamed, self.buffer_text = True, rest
        return len(text)

    def flush(self) -> None:
        self.target.flush()

    def finish(self) -> None:
        text = self.buffer_text.strip()
        self.buffer_text = ""
        if text:
            self.target.write(render(json.loads(text), self.wanted, self.columns))
        self.target.flush()


def run(func, args, made: tuple[str, list[str]]):
    wanted, columns = made
    target = sys.stdout
    converting = Converting(target, wanted, columns)
    sys.stdout = converting  # type: ignore[assignment]
    try:
        code = func(args)
    finally:
        sys.stdout = target
    converting.finish()
    return code
