"""Role-matrix entries for the findings API (merged into tests/role_matrix.py)."""
MATRIX: dict = {}
