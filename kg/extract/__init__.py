"""Extraction: one document to its entities and relations with evidence; knows nothing of the store or RDF.

Mentions (``mentions``), entities within the document (``resolve``), relations (``relate``), and the decisions
made with the whole document in view: ``document`` (``extract_document``), ``unnamed`` (unnamed incidents and
inquiries) and ``events`` (the dated steps of a case)."""
