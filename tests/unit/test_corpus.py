"""The oracle's corpus: large, from several repositories."""

from __future__ import annotations

from tests.lab.test_validate_oracle import REAL, corpus


def test_the_corpus_is_large_and_from_several_repositories():
    repos = {p.relative_to(REAL).parts[0] for p in corpus() if REAL in p.parents}
    assert len([p for p in corpus() if REAL in p.parents]) >= 150
    assert len(repos) >= 2
    for repo in repos:
        assert (REAL / repo / "LICENSE").is_file(), f"{repo}: its licence must be kept beside its templates"
