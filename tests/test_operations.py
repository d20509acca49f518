"""docs/operations.md's backup and restore, performed: dump, drop, restore, and the same rows."""
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
PG = ["-h", "127.0.0.1", "-U", "postgres"]


def _postgres_reachable() -> bool:
    return shutil.which("pg_dump") is not None and subprocess.run(
        ["pg_isready", "-q", *PG[:2]], capture_output=True).returncode == 0


def _row_counts(db: str) -> dict[str, int]:
    tables = subprocess.run(["psql", *PG, "-d", db, "-At", "-c",
                             "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"],
                            capture_output=True, text=True, check=True).stdout.split()
    query = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM \"{t}\"" for t in tables)
    out = subprocess.run(["psql", *PG, "-d", db, "-At", "-F", "\t", "-c", query], capture_output=True, text=True, check=True).stdout
    return {name: int(n) for name, n in (line.split("\t") for line in out.splitlines())}


@pytest.mark.skipif(not _postgres_reachable(), reason="needs the local PostgreSQL and its client tools")
def test_dump_drop_restore_keeps_every_row(tmp_path):
    db = f"cw_backup_{secrets.token_hex(4)}"
    drop = ("DJANGO_SETTINGS_MODULE", "CW_TEST_DATABASE_NAME", "DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{db}", DJANGO_SETTINGS_MODULE="chizhou_walkthrough.settings.base",
               VAR_DIR=str(tmp_path / "var"))
    subprocess.run(["createdb", *PG, db], check=True)
    try:
        for command in (["migrate", "--noinput", "-v", "0"], ["load_demo_data"]):
            subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True)
        before = _row_counts(db)
        assert before["services_serviceitem"] >= 60 and before["accounts_user"] >= 8
        dump = tmp_path / "backup.dump"
        with open(dump, "wb") as fh:
            subprocess.run(["pg_dump", *PG, "-d", db, "--format=custom", "--no-owner"], stdout=fh, check=True)
        subprocess.run(["dropdb", *PG, db], check=True)
        subprocess.run(["createdb", *PG, db], check=True)
        subprocess.run(["pg_restore", *PG, "-d", db, "--no-owner", str(dump)], check=True, capture_output=True)
        assert _row_counts(db) == before
        # and the restored database is one the code runs on: nothing left to migrate
        check = subprocess.run([sys.executable, "manage.py", "migrate", "--check"], cwd=ROOT, env=env, capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    finally:
        subprocess.run(["dropdb", "--if-exists", *PG, db], capture_output=True)
