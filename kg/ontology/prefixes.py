"""The prefixes kg declares for queries and binds in every output, in one place.

No heavy imports: the CLI parser reads it. kg and kgi must match the namespaces declared in ontology/ (tests/test_export.py checks)."""

PREFIXES: dict[str, str] = {
    "kg": "https://w3id.org/kg/ontology#",
    "kgi": "https://w3id.org/kg/id/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "schema": "https://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
}

#: Queries may also name the lexicon and SEM.
QUERY_PREFIXES: dict[str, str] = {
    **PREFIXES,
    "lex": "https://w3id.org/kg/lexicon#",
    "sem": "http://semanticweb.cs.vu.nl/2009/11/sem/",
}
