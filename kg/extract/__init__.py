"""Extraction: from one annotated document to its entities and relations, each with its evidence. Mentions
(``mentions``), entities within the document (``resolve``), relations (``relate``), and the decisions made with
the whole document in view (``document``: ``extract_document``). Knows nothing of the store or of RDF."""
