"""Topic-model fitting (embed -> reduce -> cluster -> represent), edits and cards.

``python -m models.training.fit_topics`` runs the fit.
"""
