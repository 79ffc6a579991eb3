"""The abstracts service's rules, pure: no I/O, no framework (import-linter keeps it so).

``abstract`` (the aggregate and its ``Status``), ``submission`` (words, deadline, validation), ``assignment``
and ``matching`` (who reviews what), ``reviews`` (scores), ``calibration``, and the programme's ``grouping``,
``scheduling``, ``updating`` and ``publication``.
"""
