"""The shipped heads' training recipes, one module per head (``python -m models.training.train_heads`` runs them)."""
