"""Text: documents read from files and annotated; knows nothing of RDF or of the store.

Reading documents (``read``), spaCy with the ontology's names (``annotate``, ``names``), dates (``dates``) and
how names are compared (``fold``)."""
