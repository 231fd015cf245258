"""CODEOWNERS: GitHub's pattern semantics, last match wins, unowned vs unmatched, skipped lines, GitLab sections."""

from __future__ import annotations

import pytest

from llmops_iac.maturity import codeowners as co

# pattern -> {path: matches?}. The GitHub documentation's examples first, then gitignore corners.
PATTERNS = {
    "*": {"README.md": True, "docs/a/b.md": True},
    "*.js": {"app.js": True, "src/deep/app.js": True, "app.jsx": False, "js/readme": False},
    "/build/logs/": {"build/logs/x.log": True, "build/logs/a/b.log": True, "build/logs": False, "src/build/logs/x": False},
    "docs/*": {"docs/getting-started.md": True, "docs/build-app/troubleshooting.md": False, "docs": False,
               "src/docs/a.md": False},
    "apps/": {"apps/a.js": True, "src/apps/b/c.js": True, "apps": False, "myapps/a": False},
    "/docs/": {"docs/a.md": True, "docs/x/y.md": True, "src/docs/a.md": False},
    "/scripts/": {"scripts/run.sh": True, "lib/scripts/run.sh": False},
    "**/logs": {"logs": True, "logs/x": True, "build/logs/x": True, "deeply/nested/logs/x.log": True, "catalogs": False},
    "/apps/github": {"apps/github": True, "apps/github/index.js": True, "apps/githubx": False},
    "foo": {"foo": True, "foo/bar": True, "bar/foo": True, "bar/foo/baz": True, "foo.txt": False, "bar/foo.txt": False},
    "/foo": {"foo": True, "foo/bar": True, "bar/foo": False},
    "foo/bar": {"foo/bar": True, "foo/bar/baz": True, "baz/foo/bar": False, "foo/bart": False},
    "foo/bar/": {"foo/bar": False, "foo/bar/baz": True, "baz/foo/bar/qux": False},
    "/*": {"foo": True, "foo/bar": False},
    "f*": {"foo": True, "foo/bar": True, "bar/foo": True, "xfoo": False},
    "/f*/": {"foo": False, "foo/bar": True, "bar/foo/baz": False},
    "foo/*.txt": {"foo/bar.txt": True, "foo/bar/baz.txt": False, "qux/foo/bar.txt": False},
    "foo/*/baz": {"foo/bar/baz": True, "foo/bar/baz/qux": True, "foo/baz": False},
    "f?o": {"foo": True, "fo": False, "fooo": False},
    "foo/bar/**": {"foo/bar": False, "foo/bar/baz": True, "foo/bar/baz/qux": True},
    "foo/**/bar": {"foo/bar": True, "foo/qux/bar/baz": True, "foo/a/b/bar": True, "qux/foo/bar": False},
    "**/*bar*": {"bar": True, "foo/rebar": True, "foo/barrio": True},
    "f\\*o": {"f*o": True, "foo": False},
    "Docs/": {"Docs/a": True, "docs/a": False},  # case-sensitive
}


@pytest.mark.parametrize("pattern", sorted(PATTERNS))
def test_pattern_semantics(pattern):
    regex = co.compile_pattern(pattern)
    got = {path: regex.match(path) is not None for path in PATTERNS[pattern]}
    assert got == PATTERNS[pattern]


def test_the_last_matching_rule_wins_and_empty_owners_leave_a_path_unowned():
    owners = co.parse("""
# comment
*                   @org/everyone
/apps/              @octocat
/apps/github
*.md                docs@example.com @org/docs
""")
    assert owners.owners_of("build.sh").owners == ("@org/everyone",)
    assert owners.owners_of("apps/main/index.js").owners == ("@octocat",)
    github = owners.owners_of("apps/github/index.js")
    assert github.matched and not github.owned and github.rules[0].line == 5
    readme = owners.owners_of("apps/README.md")
    assert readme.owners == ("docs@example.com", "@org/docs") and readme.teams == ("@org/docs",)
    assert owners.owners_of("/build.sh").owners == ("@org/everyone",)


def test_nothing_matched_is_not_the_same_as_unowned():
    owners = co.parse("/src/ @alice\n")
    who = owners.owners_of("README.md")
    assert not who.matched and not who.owned and who.rules == ()


def test_lines_github_skips_are_reported_and_ignored():
    owners = co.parse("""\
*.py @python
!secret.py @nobody
*.[ch] @c-team
\\#notes @someone
/docs/ not-an-owner
/ok/ @ok # trailing comment
""", "CODEOWNERS")
    assert [r.pattern for r in owners.rules] == ["*.py", "/ok/"]
    assert owners.rules[1].owners == ("@ok",)
    reasons = dict(owners.problems)
    assert set(reasons) == {2, 3, 4, 5}
    assert "negated" in reasons[2] and "character ranges" in reasons[3]
    assert "escaped #" in reasons[4] and "invalid owner 'not-an-owner'" in reasons[5]
    assert owners.owners_of("secret.py").owners == ("@python",)


def test_gitlab_sections_add_up_and_give_default_owners():
    owners = co.parse("""\
* @everyone
[Backend] @backend-leads
/api/
/api/internal/ @api-core
^[Docs][2] @writers
*.md
""")
    assert owners.owners_of("api/v1/x.py").owners == ("@everyone", "@backend-leads")
    assert owners.owners_of("api/internal/x.py").owners == ("@everyone", "@api-core")
    assert owners.owners_of("api/README.md").owners == ("@everyone", "@backend-leads", "@writers")


@pytest.mark.parametrize("present, used", [
    ([".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"], ".github/CODEOWNERS"),
    (["CODEOWNERS", "docs/CODEOWNERS"], "CODEOWNERS"),
    (["docs/CODEOWNERS"], "docs/CODEOWNERS"),
    ([".gitlab/CODEOWNERS"], ".gitlab/CODEOWNERS"),
    ([], None),
])
def test_the_first_codeowners_location_that_exists_is_used(tmp_path, present, used):
    for rel in present:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(f"* @from-{rel.replace('/', '-').replace('.', '')}\n", encoding="utf-8")
    loaded = co.load(tmp_path)
    if used is None:
        assert loaded is None
    else:
        assert loaded is not None and loaded.file == used
        assert loaded.owners_of("x").owners == (f"@from-{used.replace('/', '-').replace('.', '')}",)


def test_an_unreadable_codeowners_is_reported_not_trusted(tmp_path):
    (tmp_path / "CODEOWNERS").write_bytes(b"* @a\n\xff\xfe\n")
    loaded = co.load(tmp_path)
    assert loaded is not None and loaded.rules == () and "cannot be read" in loaded.problems[0][1]
