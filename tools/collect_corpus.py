"""Collect the differential-validation corpus: public HOT templates, with their licences.

Run by hand when the corpus is refreshed (it reads git mirrors of the source repositories;
the tests only read what it wrote under tests/corpus/real/). Each template is kept at its
path in its repository, with every file it reaches through get_file or a nested template
type, so Heat and mrconsole are given exactly the same bundle. SOURCES.md names each
repository, the commit and the licence.

    python tools/collect_corpus.py MIRROR_ROOT
"""

from __future__ import annotations

import posixpath
import subprocess
import sys
from pathlib import Path

import yaml

OUT = Path(__file__).resolve().parents[1] / "tests" / "corpus" / "real"

# (short name, mirror directory, commit, path prefixes to take, at most this many templates)
SOURCES = [
    ("heat-templates", "openstack+heat-templates", "HEAD", ("hot/",), 200),
    ("heat-tempest-plugin", "openstack+heat-tempest-plugin", "HEAD", ("",), 200),
    # Magnum's Heat drivers, before they were removed (2019, when there were the most of them).
    ("magnum", "openstack+magnum", "019133d7b378376c286e51daf86f178acf83c0f2", ("magnum/drivers/", "contrib/"), 200),
    ("heat", "openstack+heat", "HEAD", ("devstack/", "rally-scenarios/"), 200),
    # TripleO's service templates: large, conditions and yaql; the smallest first.
    ("tripleo-heat-templates", "openstack+tripleo-heat-templates", "HEAD", ("deployment/",), 60),
]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", str(repo), *args], capture_output=True, text=True, check=True).stdout


def references(doc) -> set[str]:
    """Relative files a template reaches: get_file targets and nested template types."""
    found: set[str] = set()

    def walk(node, parent_key=None):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "get_file" and isinstance(v, str):
                    found.add(v)
                elif k == "type" and isinstance(v, str) and v.endswith((".yaml", ".yml", ".template")):
                    found.add(v)
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, parent_key)

    walk(doc)
    return found


def bundle(repo: Path, commit: str, path: str, files: set[str]) -> dict[str, str] | None:
    """path and every file it reaches, or None when one is missing."""
    out: dict[str, str] = {}
    todo = [path]
    while todo:
        p = todo.pop()
        if p in out:
            continue
        if p not in files or "://" in p or p.startswith("/"):
            return None  # missing, or outside the repository (a URL, an absolute path): not reproducible
        text = git(repo, "show", f"{commit}:{p}")
        out[p] = text
        if p.endswith((".yaml", ".yml", ".template")):
            try:
                doc = yaml.safe_load(text)
            except yaml.YAMLError:
                continue
            for ref in references(doc):
                if "://" in ref or ref.startswith("/"):
                    return None
                todo.append(posixpath.normpath(posixpath.join(posixpath.dirname(p), ref)))
    return out


def main(root: str) -> int:
    sources = [
        "# Where the corpus comes from\n",
        "Public Heat templates, kept unchanged at their paths, as test data for",
        "tests/lab/test_validate_oracle.py. Each repository's licence is beside its files.\n",
        "| directory | repository | commit | licence | templates |",
        "|---|---|---|---|---|",
    ]
    for short, mirror, commit, prefixes, most in SOURCES:
        repo = Path(root) / mirror
        repo = repo / "repo" if (repo / "repo").exists() else repo
        repo = repo / ".git" if (repo / ".git").is_dir() else repo
        sha = git(repo, "rev-parse", commit).strip()
        files = set(git(repo, "ls-tree", "-r", "--name-only", sha).split("\n")) - {""}
        candidates = []
        for f in sorted(files):
            if not f.startswith(prefixes) or not f.endswith((".yaml", ".yml", ".template")):
                continue
            text = git(repo, "show", f"{sha}:{f}")
            if any(line.startswith("heat_template_version") for line in text.splitlines()[:40]):
                candidates.append((len(text), f))
        taken = 0
        for _, f in sorted(candidates) if short == "tripleo-heat-templates" else [(0, f) for _, f in candidates]:
            if taken >= most:
                break
            b = bundle(repo, sha, f, files)
            if b is None:
                continue
            for p, text in b.items():
                target = OUT / short / p
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
            (OUT / short / "TEMPLATES").open("a").write(f + "\n")
            taken += 1
        licence = next((name for name in ("LICENSE", "LICENSE.txt") if name in files), None)
        if licence:
            (OUT / short / "LICENSE").write_text(git(repo, "show", f"{sha}:{licence}"))
        sources.append(
            f"| {short} | github.com/openstack/{mirror.split('+', 1)[1]} | {sha[:12]} | "
            f"Apache-2.0 ({licence}) | {taken} |"
        )
    (OUT / "SOURCES.md").write_text("\n".join(sources) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
