"""Role-matrix entries for the walkthrough API (merged into tests/role_matrix.py)."""
MATRIX: dict = {}
