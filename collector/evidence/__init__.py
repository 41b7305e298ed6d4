"""Evidence on disk: the store, hashing at write time, WARC, the RFC 3161 protocol (with DER
and openssl), and where tokens live in a capture.
"""
