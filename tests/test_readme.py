"""README.md and docs/ tell the truth about the repo: every link and path they name exists, every
command, setting and page they name is real, the demo table is the demo data, and no file in the
repo points outside it."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands
from django.urls import Resolver404, resolve

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "bench" / "README.md",
        *sorted((ROOT / "static").glob("*/README.md"))]
TOP = {p.name for p in ROOT.iterdir()} - {".venv", "var", ".git"}
# Made at run time, not kept in the repo.
MADE_AT_RUN_TIME = ("var/", ".venv/", "tests/artifacts/")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
CODE = re.compile(r"`([^`\n]+)`")


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _tracked_text_files() -> list[Path]:
    names = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    files = []
    for name in filter(None, names):
        path = ROOT / name.decode()
        if path.suffix in {".otf", ".mo", ".png", ".jpg", ".pdf", ".xlsx", ".ico", ".woff2"} or not path.is_file():
            continue
        files.append(path)
    return files


def test_no_file_in_the_repo_names_a_path_outside_it():
    # The names are put together here, so that this file does not itself name what it looks for.
    folder = "shared"
    documents = "|".join(("PRODUCT", "API", "QUALITY", "STYLE", "DOMAIN"))
    outside = re.compile(rf"\.\./{folder}|{folder}/brief|(?<![\w/.-])(?:{documents})\.md\b|(?<![\w/.-])seed\.md\b")
    offenders = []
    for path in _tracked_text_files():
        try:
            text = _text(path)
        except UnicodeDecodeError:
            continue
        for n, line in enumerate(text.splitlines(), 1):
            if outside.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:100]}")
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_points_into_the_repo_at_something_that_exists(doc):
    broken = []
    for target in LINK.findall(_text(doc)):
        if re.match(r"^(https?|mailto):", target):
            continue
        path, _, anchor = target.partition("#")
        resolved = (doc.parent / path).resolve() if path else doc
        if ROOT not in resolved.parents and resolved != ROOT:
            broken.append(f"{target}: outside the repo")
        elif not resolved.exists():
            broken.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved):
            broken.append(f"{target}: no such heading")
    assert not broken, f"{doc.name}: " + "; ".join(broken)


def _anchors(md: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    anchors = set()
    for line in _text(md).splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            anchors.add(re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", title)))
    return anchors


def _repo_paths(text: str):
    """Paths of the repo named in code spans: `findings/queries.py`, `core/uploads.py:upload_check`."""
    for span in CODE.findall(text):
        word = span.split()[0] if not span.startswith(("GET ", "POST ")) else ""
        path, _, symbol = word.partition(":")
        if not path or any(c in path for c in "{}?…<>*") or path.startswith(MADE_AT_RUN_TIME):
            continue
        if path.split("/")[0] not in TOP or ("/" not in path and "." not in path):
            continue
        yield path, re.sub(r"\(.*", "", symbol).strip()


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_path_and_function_a_doc_names_exists(doc):
    missing = []
    for path, symbol in _repo_paths(_text(doc)):
        file = ROOT / path
        if not file.exists():
            missing.append(path)
        elif symbol and file.is_file() and not re.search(
                rf"^\s*(?:def|class) {re.escape(symbol)}\b|^{re.escape(symbol)}\b\s*[:=]", _text(file), re.M):
            missing.append(f"{path}:{symbol}")
    assert not missing, f"{doc.name} names what is not there: {missing}"


def test_the_demo_table_is_what_bin_run_prints():
    from campaign.demo_data import DEMO_ACCOUNTS

    text = _text(ROOT / "README.md")
    section = text.split("## Demo accounts", 1)[1].split("\n## ", 1)[0]
    rows = [[cell.strip().strip("`") for cell in line.strip("|").split("|")]
            for line in section.splitlines() if line.startswith("| `")]
    expected = "\n".join(f"| `{u}` | {role} | {dept} |" for u, role, dept in DEMO_ACCOUNTS)
    assert [tuple(r) for r in rows] == [tuple(a) for a in DEMO_ACCOUNTS], f"the table should read:\n{expected}"
    from campaign.demo_data import DEMO_PASSWORD

    assert f"All demo passwords are `{DEMO_PASSWORD}`" in section
    assert "DEMO_ACCOUNTS" in _text(ROOT / "bin" / "run")


def test_every_command_the_readme_names_exists():
    text = "\n".join(_text(d) for d in DOCS)
    named = set(re.findall(r"manage\.py (\w+)", text)) | {"load_demo_data", "rebuild_tally"}
    assert named - set(get_commands()) == set()
    for script in ("bin/run", "bin/test", ".ci/run"):
        assert (ROOT / script).stat().st_mode & 0o111 or script == ".ci/run", script


def test_every_setting_the_readme_names_is_read_from_the_environment():
    text = _text(ROOT / "README.md")
    names = set(re.findall(r"`([A-Z][A-Z0-9_]{2,})`", text))
    source = "\n".join(_text(p) for p in (ROOT / "chizhou_walkthrough" / "settings").glob("*.py"))
    source += "".join(_text(ROOT / f) for f in ("docker-compose.yml", "bin/run", "bin/test"))
    unread = {name for name in names if f'"{name}"' not in source and f"{name}=" not in source
              and f"{name}:" not in source and not hasattr(settings, name)}
    assert not unread, f"README names settings nothing reads: {sorted(unread)}"


def test_every_page_the_readme_names_is_served():
    text = _text(ROOT / "README.md")
    unknown = []
    for span in CODE.findall(text):
        if re.fullmatch(r"/[\w\-/]*", span) and span not in ("/api/", "/api/v1/"):  # prefixes, not pages
            try:
                resolve(span)
            except Resolver404:
                unknown.append(span)
    assert not unknown
