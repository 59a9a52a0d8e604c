"""Benchmarks, run with ``make bench``: each module's ``main()`` prints a table of figures."""
