"""Tools for running the congress on a machine without Docker: local Kafka (one node or a KRaft cluster),
PostgreSQL from Debian's packages and Stripe's stripe-mock.

Used by the ``congress`` command, the tests and the benchmarks only; no service and not the kernel
(``services.common``) imports it (an import-linter contract says so): in production these parts are
real servers the services reach by URL.
"""
