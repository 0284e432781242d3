"""sharekit: Snowflake Secure Data Sharing to Optimove, declared in YAML, planned and applied safely."""

__all__ = ["__version__"]
__version__ = "0.1.0"
