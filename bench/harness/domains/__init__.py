"""Each domain as the benches use it: fixtures, history builders, the calls a phase times and
the checks it makes. These modules are the only ones under bench/ that import a domain's insides
(models, services, selectors), each only its own domain's (tests/test_architecture.py), so a
domain that is split or renamed is followed here, in one small module."""
