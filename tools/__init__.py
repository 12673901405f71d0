"""Tools for load tests and trials, kept out of the product: `manage.py generate_corpus` writes a
synthetic cables.csv, `manage.py benchmark` builds an archive from one and times it."""
