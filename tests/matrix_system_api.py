"""Role-matrix entries for the API routes that are neither walkthroughs nor findings proper
(notifications, public requests, the certificate graph), merged into tests/role_matrix.py."""
from tests.role_matrix import Case  # noqa: F401

MATRIX: dict[str, list] = {}
