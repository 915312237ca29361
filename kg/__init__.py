"""kg: turn documents about public events into an RDF knowledge graph."""

__version__ = "0.1.0"
