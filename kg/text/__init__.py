"""Text: reading documents (``read``), annotating them with spaCy and the ontology's names (``annotate``,
``names``), dates (``dates``) and how names are compared (``fold``). Knows nothing of RDF or of the store."""
