"""What is known about the evidence: the custody chain and the SQLite index (the only
sqlite_utils importer), with its full-text search forms, and rebuilding it (reindex).
"""
