"""The bottom layer: the ontology's vocabulary (``vocab``), the lexical cues read from it (``lexicon``) and the
prefixes every output binds (``prefixes``). Imports nothing of kg but ``kg.errors`` and ``kg.model``."""
