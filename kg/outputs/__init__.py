"""What users see and take away: query results, exports, the viewer, the endpoint and the contract page.

Query results (``results``), exports (``export``, ``tables``, from ``network``), the viewer (``viz``), the
SPARQL endpoint (``server``) and the contract page (``contract``). Reads the graph layer, never extraction."""
