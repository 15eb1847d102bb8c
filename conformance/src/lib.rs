//! Conformance suites of jcos live in this directory; the integration tests in `tests/` run them
//! through the same runner as `jcos conformance run`.
