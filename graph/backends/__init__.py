"""Stores behind ``graph.backend.Backend``: embedded Oxigraph and a SPARQL 1.1 server over HTTP."""
