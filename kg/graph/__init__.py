"""The graph: IRIs and the RDF mapping (``rdfmap``), identity across documents (``identity``), the store
(``store``, ``remote``), SHACL (``shacl``), graph files (``files``) and SPARQL (``sparql``). Receives
extractions; never imports extraction or outputs."""
