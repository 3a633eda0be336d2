"""Fuzzing turnout: a byte-level, structure-aware HTTP fuzzer over every route of every surface
(`routes`, `mutate`, `wire`, `run`), and a coverage-guided one (atheris) on the parsers (`parsers`)."""
