"""The graph: RDF, identity across documents, the store, validation, graph files and SPARQL.

IRIs and the RDF mapping (``rdfmap``), identity across documents (``identity``), the store (``store``,
``remote``), SHACL (``shacl``), graph files (``files``) and SPARQL (``sparql``). The store receives extractions;
this layer never imports extraction or outputs."""
