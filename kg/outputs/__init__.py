"""What users see and take away: query results (``results``), exports (``export``, ``tables``), the viewer
(``viz``), the SPARQL endpoint (``server``) and the contract page (``contract``). Reads the graph layer only."""
