"""Near-duplicate and identity: canonical URLs and fingerprints (identity), MinHash
signatures and clustering (minhash). Pure functions."""
