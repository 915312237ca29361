"""The ontology, read: the bottom layer, which text and extraction alike read.

The vocabulary (``vocab``), the lexical cues, class tree and property signatures read from ``ontology/*.ttl``
(``lexicon``), and the prefixes every output binds (``prefixes``). Imports nothing of kg but the base
(``kg.errors``, ``kg.model``)."""
