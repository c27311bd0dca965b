"""The project's declarative registry (YAML), shipped as the data package ``harness_registry``."""
