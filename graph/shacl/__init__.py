"""SHACL Core (https://www.w3.org/TR/shacl/) compiled to Python checks over pyoxigraph terms.

One module per part of the specification: :mod:`.shapes` (shapes and targets, sections 2.1
and 2.2), :mod:`.paths` (property paths, 2.3.1), :mod:`.components` (the Core constraint
components, 4), :mod:`.literals` (datatypes and value order), :mod:`.view` (the data graph
as a validation reads it) and :mod:`.reach` (what a change can affect, for the store).
"""
