"""Evidence leaving the store: evidence packages (ZIP) with their verifier, and WACZ."""
